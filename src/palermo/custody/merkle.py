"""The Merkle tree of a custody log, exactly as RFC 9162 §2.1 (Certificate Transparency version 2) defines it.

leaf hash = SHA-256(0x00 || data), node hash = SHA-256(0x01 || left || right), the hash of an empty tree is
SHA-256 of nothing, and a tree of n leaves splits at the largest power of two smaller than n. Proofs and their
verification follow §2.1.3 (inclusion) and §2.1.4 (consistency).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from palermo.errors import InvalidInput

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """The hash of one leaf: SHA-256 of a zero byte followed by the leaf's data."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an inner node: SHA-256 of a one byte followed by its two children's hashes."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


class Tree:
    """A tree over a fixed list of leaf hashes, with every complete subtree kept so proofs cost O(log n)."""

    def __init__(self, leaf_hashes: Sequence[bytes]) -> None:
        for i, h in enumerate(leaf_hashes):
            if len(h) != HASH_SIZE:
                raise InvalidInput(f"leaf hash {i} has {len(h)} bytes, not {HASH_SIZE}")
        self.size = len(leaf_hashes)
        # levels[k] holds the roots of the complete, aligned subtrees of 2**k leaves, concatenated
        levels = [b"".join(leaf_hashes)]
        sha = hashlib.sha256
        while len(levels[-1]) >= 2 * HASH_SIZE:
            below = levels[-1]
            pairs = len(below) // (2 * HASH_SIZE)
            levels.append(b"".join(sha(b"\x01" + below[64 * i:64 * i + 64]).digest() for i in range(pairs)))
        self._levels = levels

    def subtree(self, start: int, end: int) -> bytes:
        """MTH of the leaves [start, end), for ranges that occur in RFC 9162's recursion."""
        n = end - start
        if n == 0:
            return EMPTY_ROOT
        if n & (n - 1) == 0 and start % n == 0:
            level = n.bit_length() - 1
            i = start >> level
            return self._levels[level][HASH_SIZE * i:HASH_SIZE * (i + 1)]
        k = _split(n)
        return node_hash(self.subtree(start, start + k), self.subtree(start + k, end))

    def root(self, size: int | None = None) -> bytes:
        """The root of the first ``size`` leaves (all leaves by default)."""
        size = self.size if size is None else size
        if not 0 <= size <= self.size:
            raise InvalidInput(f"tree size {size} is outside 0..{self.size}")
        return self.subtree(0, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """The audit path of leaf ``index`` in the tree of the first ``size`` leaves (RFC 9162 §2.1.3.1)."""
        size = self.size if size is None else size
        if not 0 <= index < size <= self.size:
            raise InvalidInput(f"no leaf {index} in a tree of size {size}")
        path: list[bytes] = []
        start, end = 0, size
        while end - start > 1:
            k = _split(end - start)
            if index < start + k:
                path.append(self.subtree(start + k, end))
                end = start + k
            else:
                path.append(self.subtree(start, start + k))
                start += k
        path.reverse()
        return path

    def consistency_proof(self, old_size: int, size: int | None = None) -> list[bytes]:
        """The proof that the tree of ``old_size`` leaves is a prefix of that of ``size`` (RFC 9162 §2.1.4.1)."""
        size = self.size if size is None else size
        if not 0 <= old_size <= size <= self.size:
            raise InvalidInput(f"no consistency proof from size {old_size} to size {size}")
        if old_size in (0, size):
            return []
        proof: list[bytes] = []
        start, end, m, complete = 0, size, old_size, True
        while True:
            n = end - start
            if m == n:
                if not complete:
                    proof.append(self.subtree(start, end))
                break
            k = _split(n)
            if m <= k:
                proof.append(self.subtree(start + k, end))
                end = start + k
            else:
                proof.append(self.subtree(start, start + k))
                start += k
                m -= k
                complete = False
        proof.reverse()
        return proof


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle tree hash (MTH) of a list of leaf hashes."""
    frontier = Frontier()
    for h in leaf_hashes:
        frontier.append(h)
    return frontier.root()


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """The inclusion proof of leaf ``index`` in the tree of all ``leaf_hashes``."""
    return Tree(leaf_hashes).inclusion_proof(index)


def consistency_proof(old_size: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """The consistency proof from the tree of the first ``old_size`` leaves to the tree of all of them."""
    return Tree(leaf_hashes).consistency_proof(old_size)


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """True if ``proof`` shows that the leaf with hash ``leaf`` is at ``index`` of the tree of ``size`` with
    ``root`` (RFC 9162 §2.1.3.2)."""
    if not 0 <= index < size or len(root) != HASH_SIZE or any(len(p) != HASH_SIZE for p in proof):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """True if ``proof`` shows that the tree of ``old_size`` with ``old_root`` is the beginning, unchanged, of the
    tree of ``new_size`` with ``new_root`` (RFC 9162 §2.1.4.2)."""
    if not 0 <= old_size <= new_size or any(len(p) != HASH_SIZE for p in proof):
        return False
    if len(old_root) != HASH_SIZE or len(new_root) != HASH_SIZE:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0


class Frontier:
    """The right edge of a growing tree: the roots of its complete subtrees, largest first.

    Appending and taking the root cost O(log n); ``hashes`` (at most 64 values) is all a store keeps between
    appends, so a log of a million events is never rehashed.
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if size < 0 or len(hashes) != size.bit_count() or any(len(h) != HASH_SIZE for h in hashes):
            raise InvalidInput(f"a frontier of size {size} has {size.bit_count()} hashes of {HASH_SIZE} bytes")
        self._size = size
        self._hashes = list(hashes)

    @property
    def size(self) -> int:
        """The number of leaves appended so far."""
        return self._size

    @property
    def hashes(self) -> list[bytes]:
        """The complete subtrees' roots, largest (leftmost) first: one per bit set in ``size``."""
        return list(self._hashes)

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash at the right edge."""
        if len(leaf) != HASH_SIZE:
            raise InvalidInput(f"a leaf hash has {HASH_SIZE} bytes, not {len(leaf)}")
        h = leaf
        size = self._size
        hashes = self._hashes
        sha = hashlib.sha256
        while size & 1:
            h = sha(b"\x01" + hashes.pop() + h).digest()
            size >>= 1
        hashes.append(h)
        self._size += 1

    def root(self) -> bytes:
        """The Merkle tree hash of all leaves appended so far."""
        if not self._hashes:
            return EMPTY_ROOT
        h = self._hashes[-1]
        for left in reversed(self._hashes[:-1]):
            h = node_hash(left, h)
        return h

    def copy(self) -> Frontier:
        """An independent copy (appending to it leaves this one unchanged)."""
        return Frontier(self._size, self._hashes)

    def to_json(self) -> dict[str, object]:
        """The frontier as a small JSON object a store can keep: size and hex hashes."""
        return {"size": self._size, "hashes": [h.hex() for h in self._hashes]}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Frontier:
        """A frontier from ``to_json`` output; refuses a count of hashes that does not fit the size."""
        size, hashes = data.get("size"), data.get("hashes")
        if not isinstance(size, int) or isinstance(size, bool) or not isinstance(hashes, list):
            raise InvalidInput("frontier: expected {'size': int, 'hashes': [hex, ...]}")
        try:
            raw = [bytes.fromhex(h) for h in hashes if isinstance(h, str)]
        except ValueError:
            raise InvalidInput("frontier: hashes must be hexadecimal") from None
        if len(raw) != len(hashes):
            raise InvalidInput("frontier: hashes must be hexadecimal strings")
        return cls(size, raw)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Frontier) and other._size == self._size and other._hashes == self._hashes

    def __repr__(self) -> str:
        return f"Frontier(size={self._size}, root={self.root().hex()[:16]}…)"
