"""The Merkle tree against RFC 9162 §2.1: an independent implementation written here from the RFC's recursive
definitions (MTH, PATH, PROOF/SUBPROOF of RFC 6962 §2.1.1–2.1.2, unchanged in RFC 9162 §2.1.3.1/§2.1.4.1), and
published test vectors."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from palermo.custody.merkle import (
    EMPTY_ROOT,
    Frontier,
    Tree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)
from palermo.errors import InvalidInput

# --------------------------------------------------------------------------- the RFC, literally


def ref_mth(leaves: list[bytes]) -> bytes:
    """MTH(D[n]) over leaf *data*, by the RFC's recursion."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + ref_mth(leaves[:k]) + ref_mth(leaves[k:])).digest()


def ref_path(m: int, leaves: list[bytes]) -> list[bytes]:
    """PATH(m, D[n])."""
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*ref_path(m, leaves[:k]), ref_mth(leaves[k:])]
    return [*ref_path(m - k, leaves[k:]), ref_mth(leaves[:k])]


def ref_subproof(m: int, leaves: list[bytes], b: bool) -> list[bytes]:
    """SUBPROOF(m, D[n], b)."""
    n = len(leaves)
    if m == n:
        return [] if b else [ref_mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*ref_subproof(m, leaves[:k], b), ref_mth(leaves[k:])]
    return [*ref_subproof(m - k, leaves[k:], False), ref_mth(leaves[:k])]


def ref_proof(m: int, leaves: list[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) for 0 < m < n."""
    return ref_subproof(m, leaves, True)


def data(n: int) -> list[bytes]:
    return [f"event {i}".encode() * (i % 3 + 1) for i in range(n)]


# --------------------------------------------------------------------------- against the RFC


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=300))
def test_root_frontier_and_tree_equal_the_rfc_recursion(n: int) -> None:
    leaves = data(n)
    hashes = [leaf_hash(d) for d in leaves]
    expected = ref_mth(leaves)
    assert root(hashes) == expected
    assert Tree(hashes).root() == expected
    frontier = Frontier()
    for i, h in enumerate(hashes):
        frontier.append(h)
        assert frontier.size == i + 1
    assert frontier.root() == expected
    assert len(frontier.hashes) == n.bit_count()
    assert Frontier.from_json(frontier.to_json()) == frontier


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=200), st.data())
def test_inclusion_proofs_equal_the_rfc_and_verify(n: int, draw: st.DataObject) -> None:
    leaves = data(n)
    hashes = [leaf_hash(d) for d in leaves]
    index = draw.draw(st.integers(min_value=0, max_value=n - 1))
    tree_root = ref_mth(leaves)
    proof = inclusion_proof(index, hashes)
    assert proof == ref_path(index, leaves)
    assert verify_inclusion(hashes[index], index, n, proof, tree_root)
    # the same leaf at any other position, in another size, or with another root does not verify
    other = draw.draw(st.integers(min_value=0, max_value=n - 1))
    if other != index and hashes[other] != hashes[index]:
        assert not verify_inclusion(hashes[other], index, n, proof, tree_root)
    # (a size differing by one may share the shape of the path: the signed head binds size and root together)
    assert not verify_inclusion(hashes[index], index, n * 2, proof, tree_root)
    if index < n // 2:
        assert not verify_inclusion(hashes[index], index, n // 2, proof, tree_root)
    assert not verify_inclusion(hashes[index], index, n, proof, node_hash(tree_root, tree_root))
    if proof:
        i = draw.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        bad = list(proof)
        bad[i] = bytes([bad[i][0] ^ 1]) + bad[i][1:]
        assert not verify_inclusion(hashes[index], index, n, bad, tree_root)
        assert not verify_inclusion(hashes[index], index, n, proof[:-1], tree_root)
    assert not verify_inclusion(hashes[index], index, n, [*proof, tree_root], tree_root)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=200), st.data())
def test_consistency_proofs_equal_the_rfc_and_verify(n: int, draw: st.DataObject) -> None:
    leaves = data(n)
    hashes = [leaf_hash(d) for d in leaves]
    m = draw.draw(st.integers(min_value=0, max_value=n))
    old_root, new_root = ref_mth(leaves[:m]), ref_mth(leaves)
    proof = consistency_proof(m, hashes)
    assert proof == ([] if m in (0, n) else ref_proof(m, leaves))
    assert verify_consistency(m, n, old_root, new_root, proof)
    if 0 < m < n:
        # a rewritten old log, a truncated proof or a flipped bit never verify
        rewritten = ref_mth([b"rewritten", *leaves[1:m]])
        assert not verify_consistency(m, n, rewritten, new_root, proof)
        assert not verify_consistency(m, n, old_root, new_root, proof[:-1])
        i = draw.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        bad = list(proof)
        bad[i] = bytes([bad[i][0] ^ 16]) + bad[i][1:]
        assert not verify_consistency(m, n, old_root, new_root, bad)
        assert not verify_consistency(m, n, new_root, old_root, proof)
        assert not verify_consistency(n, m, old_root, new_root, proof)


def test_tree_serves_proofs_for_any_prefix() -> None:
    leaves = data(77)
    hashes = [leaf_hash(d) for d in leaves]
    tree = Tree(hashes)
    for size in (1, 2, 31, 32, 33, 64, 77):
        assert tree.root(size) == ref_mth(leaves[:size])
        for index in (0, size // 2, size - 1):
            assert tree.inclusion_proof(index, size) == ref_path(index, leaves[:size])
        for old in range(1, size):
            assert tree.consistency_proof(old, size) == ref_proof(old, leaves[:size])


# --------------------------------------------------------------------------- published vectors
# transparency-dev/merkle (Apache-2.0), proof/verify_test.go and rfc6962/rfc6962_test.go; the roots are the
# constants of Certificate Transparency's C++ test, cpp/merkletree/merkle_tree_test.cc.

LEAVES = [bytes.fromhex(h) for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                      "606162636465666768696a6b6c6d6e6f"]]
ROOTS = [bytes.fromhex(h) for h in [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"]]
# (1-based leaf, tree size, proof)
INCLUSION = [
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (3, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (2, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
CONSISTENCY = [
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]


def test_hasher_vectors() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert root([]) == EMPTY_ROOT
    assert leaf_hash(b"").hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    assert leaf_hash(b"L123456").hex() == "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    assert node_hash(b"N123", b"N456").hex() == "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"


def test_roots_of_the_published_leaves() -> None:
    hashes = [leaf_hash(d) for d in LEAVES]
    frontier = Frontier()
    for size in range(1, 9):
        frontier.append(hashes[size - 1])
        assert root(hashes[:size]) == ROOTS[size - 1]
        assert frontier.root() == ROOTS[size - 1]


@pytest.mark.parametrize(("leaf", "size", "proof"), INCLUSION)
def test_published_inclusion_proofs(leaf: int, size: int, proof: list[str]) -> None:
    hashes = [leaf_hash(d) for d in LEAVES]
    expected = [bytes.fromhex(p) for p in proof]
    assert inclusion_proof(leaf - 1, hashes[:size]) == expected
    assert verify_inclusion(hashes[leaf - 1], leaf - 1, size, expected, ROOTS[size - 1])
    assert not verify_inclusion(hashes[leaf - 1], leaf, size, expected, ROOTS[size - 1])
    assert not verify_inclusion(b"WrongLeaf", leaf - 1, size, expected, ROOTS[size - 1])


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_published_consistency_proofs(old: int, new: int, proof: list[str]) -> None:
    hashes = [leaf_hash(d) for d in LEAVES]
    expected = [bytes.fromhex(p) for p in proof]
    assert consistency_proof(old, hashes[:new]) == expected
    assert verify_consistency(old, new, ROOTS[old - 1], ROOTS[new - 1], expected)
    if expected:
        assert not verify_consistency(old, new, ROOTS[new - 1], ROOTS[old - 1], expected)
        assert not verify_consistency(old, new, ROOTS[old - 1], ROOTS[new - 1], [*expected, expected[0]])


def test_edge_cases_of_verification() -> None:
    some = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")
    # transparency-dev's TestVerifyInclusion/TestVerifyConsistency edge cases
    for index, size in [(0, 0), (0, 1), (1, 0), (2, 1)]:
        assert not verify_inclusion(some, index, size, [], b"")
        assert not verify_inclusion(b"", index, size, [], EMPTY_ROOT)
        assert not verify_inclusion(some, index, size, [], EMPTY_ROOT)
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert verify_consistency(0, 1, EMPTY_ROOT, ROOTS[0], [])
    assert verify_consistency(1, 1, ROOTS[0], ROOTS[0], [])
    assert not verify_consistency(1, 1, ROOTS[0], ROOTS[1], [])
    assert not verify_consistency(1, 0, ROOTS[0], EMPTY_ROOT, [])
    assert not verify_consistency(1, 2, ROOTS[0], ROOTS[1], [])
    assert not verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])
    assert not verify_consistency(1, 1, ROOTS[0], ROOTS[0], [EMPTY_ROOT])


def test_frontier_refuses_a_damaged_state() -> None:
    with pytest.raises(InvalidInput, match="frontier"):
        Frontier(3, [EMPTY_ROOT])
    with pytest.raises(InvalidInput, match="hexadecimal"):
        Frontier.from_json({"size": 1, "hashes": ["zz"]})
    with pytest.raises(InvalidInput):
        Frontier.from_json({"size": "1", "hashes": []})
    with pytest.raises(InvalidInput):
        Frontier().append(b"short")


def test_frontier_copy_is_independent() -> None:
    f = Frontier()
    f.append(leaf_hash(b"a"))
    g = f.copy()
    g.append(leaf_hash(b"b"))
    assert f.size == 1 and g.size == 2 and f.root() == leaf_hash(b"a")


def test_proof_requests_outside_the_tree_are_refused() -> None:
    tree = Tree([leaf_hash(d) for d in data(5)])
    with pytest.raises(InvalidInput):
        tree.inclusion_proof(5)
    with pytest.raises(InvalidInput):
        tree.consistency_proof(6)
    with pytest.raises(InvalidInput):
        tree.root(6)
    with pytest.raises(InvalidInput):
        Tree([b"short"])
