"""Routes by country from trips and from victims' and suspects' records, counted as flows and drawn as a Sankey
diagram. Expected routes are written from the records by hand."""

from __future__ import annotations

from palermo.analytics.routes import Flow, Route, flows, read_routes, sankey, trip_route


def address(aid: str, country: str) -> dict[str, object]:
    return {"id": aid, "schema": "Address", "properties": {"full": [aid], "country": [country]}}


def trip(tid: str, day: str, **props: list[str]) -> dict[str, object]:
    return {"id": tid, "schema": "Trip", "properties": {"name": [tid], "startDate": [day], **props}}


def test_trip_countries_from_locations_listed_countries_and_a_place_name() -> None:
    places = {"ro-home": address("ro-home", "ro"), "uk-house": address("uk-house", "gb")}
    assert trip_route(trip("t", "2020", startLocation=["ro-home"], endLocation=["uk-house"], country=["hu", "at"]),
                      places) == ("ro", "hu", "at", "gb")
    assert trip_route(trip("t", "2020", location=["Poland"], endLocation=["uk-house"]), places) == ("pl", "gb")
    assert trip_route(trip("t", "2020", country=["ng", "ly", "it"]), places) == ("ng", "ly", "it")
    assert trip_route(trip("t", "2020"), places) == ()


def test_a_persons_trips_join_in_date_order_and_records_fill_in() -> None:
    rows = [address("a-ro", "ro"), address("a-hu", "hu"), address("a-gb", "gb"),
            {"id": "v1", "schema": "Person", "properties": {"name": ["V"]}, "roles": ["victim"]},
            {"id": "s1", "schema": "Person", "properties": {"name": ["S"], "nationality": ["al"], "country": ["gb"]},
             "roles": ["suspect"]},
            {"id": "w1", "schema": "Person", "properties": {"name": ["W"], "nationality": ["fr"], "country": ["gb"]},
             "roles": ["witness"]},
            trip("leg2", "2020-02-01", startLocation=["a-hu"], endLocation=["a-gb"], involved=["v1"]),
            trip("leg1", "2020-01-01", startLocation=["a-ro"], endLocation=["a-hu"], involved=["v1"]),
            trip("alone", "2021-01-01", country=["ro", "gb"])]
    routes = read_routes(rows)
    assert Route(("ro", "hu", "gb"), "trips", ("v1",)) in routes  # legs in date order, Hungary once
    assert Route(("ro", "gb"), "trip", ("alone",)) in routes
    assert Route(("al", "gb"), "record", ("s1",)) in routes
    assert all("w1" not in r.entities for r in routes)  # a witness's nationality is no route
    assert len(routes) == 3
    counted = flows(routes)
    assert Flow("ro:origin", "hu:transit", 1) in counted and Flow("hu:transit", "gb:destination", 1) in counted
    assert Flow("ro:origin", "gb:destination", 1) in counted and Flow("al:origin", "gb:destination", 1) in counted


def test_sankey_names_countries_and_stages() -> None:
    figure = sankey([Flow("ro:origin", "gb:destination", 3)], title="Routes",
                    stage_names={"origin": "origine", "destination": "destination"})
    trace = figure["data"][0]
    assert trace["type"] == "sankey" and trace["node"]["label"] == ["Romania (origine)", "United Kingdom (destination)"]
    assert list(trace["link"]["value"]) == [3]
