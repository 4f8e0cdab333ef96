"""A minimal FITS writer for tests (primary HDU, one 2-D image), following the FITS 4.0 standard."""
import numpy as np


def write_fits(path, data, bitpix, bscale=None, bzero=None, blank=None):
    cards = [("SIMPLE", "T"), ("BITPIX", str(bitpix)), ("NAXIS", "2"), ("NAXIS1", str(data.shape[1])),
             ("NAXIS2", str(data.shape[0]))]
    if bscale is not None:
        cards.append(("BSCALE", repr(float(bscale))))
    if bzero is not None:
        cards.append(("BZERO", repr(float(bzero))))
    if blank is not None:
        cards.append(("BLANK", str(blank)))
    header = "".join(f"{k:<8}= {v:>20}".ljust(80) for k, v in cards) + "END".ljust(80)
    header = header.ljust(-(-len(header) // 2880) * 2880)
    dtype = {8: ">u1", 16: ">i2", 32: ">i4", -32: ">f4", -64: ">f8"}[bitpix]
    # FITS stores the first row at the bottom of the image; libvips shows it that way too.
    raw = np.ascontiguousarray(data.astype(dtype)).tobytes()
    raw += b"\0" * (-len(raw) % 2880)
    with open(path, "wb") as f:
        f.write(header.encode("ascii") + raw)
