"""GeoTIFF writer for the tests: Pillow with the GeoTIFF tags (ModelPixelScale, ModelTiepoint and the
GeoKey directory) set by hand."""
import io

from PIL import Image, TiffImagePlugin

DOUBLE, SHORT = 12, 3
UTM33N = [(1024, 0, 1, 1), (1025, 0, 1, 1), (3072, 0, 1, 32633)]  # projected, pixel-is-area, EPSG:32633


def geotiff_bytes(pixels, keys, scale, tie):
    """`pixels`: a uint8 array; `keys`: GeoKey entries (id, location, count, value)."""
    info = TiffImagePlugin.ImageFileDirectory_v2()
    info[33550] = scale
    info.tagtype[33550] = DOUBLE
    info[33922] = tie
    info.tagtype[33922] = DOUBLE
    info[34735] = tuple([1, 1, 0, len(keys)] + [v for key in keys for v in key])
    info.tagtype[34735] = SHORT
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="TIFF", tiffinfo=info)
    return buf.getvalue()
