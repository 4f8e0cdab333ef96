"""What a Mirador report (tests/node/e2e_mirador.mjs) must show when Mirador, on another origin, opened a
manifest of the two-halves picture: manifest and image service read, images loaded, no page error, and the
picture's red and blue halves painted."""


def assert_painted(report, server_base):
    assert "error" not in report, report
    assert report["page_origin"] != server_base, "Mirador ran on the server's own origin"
    assert (report["manifest_status"], report["info_status"]) == (200, 200), report
    assert report["image_requests"] > 0 and report["image_failures"] == [], report
    assert report["page_errors"] == [], report
    painted = report["painted"]
    assert painted["red"] > 0.02 and painted["blue"] > 0.02, painted
