"""Sky geometry the browser tests check the viewer against, computed independently of the server."""
import math


def tan_pixel(ra, dec, crval, crpix, cd, height):
    """Display position (0-based, y down) of a sky position through a gnomonic (TAN) WCS with a CD
    matrix, for an image `height` pixels high (FITS rows run bottom-up, display rows top-down)."""
    a0, d0, a, d = map(math.radians, (crval[0], crval[1], ra, dec))
    cos_c = math.sin(d0) * math.sin(d) + math.cos(d0) * math.cos(d) * math.cos(a - a0)
    xi = math.degrees(math.cos(d) * math.sin(a - a0) / cos_c)
    eta = math.degrees((math.cos(d0) * math.sin(d) - math.sin(d0) * math.cos(d) * math.cos(a - a0)) / cos_c)
    det = cd[0][0] * cd[1][1] - cd[0][1] * cd[1][0]
    u = (cd[1][1] * xi - cd[0][1] * eta) / det
    v = (-cd[1][0] * xi + cd[0][0] * eta) / det
    return u + crpix[0] - 0.5, height - (v + crpix[1]) + 0.5
