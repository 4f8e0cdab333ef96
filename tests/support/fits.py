"""A minimal FITS writer for tests (primary HDU, one 2-D image), following the FITS 4.0 standard."""
import numpy as np


def write_fits(path, data, bitpix, bscale=None, bzero=None, blank=None, extra=()):
    cards = [("SIMPLE", "T"), ("BITPIX", str(bitpix)), ("NAXIS", "2"), ("NAXIS1", str(data.shape[1])),
             ("NAXIS2", str(data.shape[0]))]
    if bscale is not None:
        cards.append(("BSCALE", repr(float(bscale))))
    if bzero is not None:
        cards.append(("BZERO", repr(float(bzero))))
    if blank is not None:
        cards.append(("BLANK", str(blank)))
    cards += list(extra)
    header = "".join(f"{k:<8}= {v:>20}".ljust(80) for k, v in cards) + "END".ljust(80)
    header = header.ljust(-(-len(header) // 2880) * 2880)
    dtype = {8: ">u1", 16: ">i2", 32: ">i4", 64: ">i8", -32: ">f4", -64: ">f8"}[bitpix]
    # FITS stores the first row at the bottom of the image; libvips shows it that way too.
    raw = np.ascontiguousarray(data.astype(dtype)).tobytes()
    raw += b"\0" * (-len(raw) % 2880)
    with open(path, "wb") as f:
        f.write(header.encode("ascii") + raw)


def write_multi(path, hdus):
    """hdus: a list of (data or None, bitpix, extra cards dict). The first is the primary HDU."""
    out = b""
    for i, (data, bitpix, extra) in enumerate(hdus):
        cards = [("SIMPLE", "T")] if i == 0 else [("XTENSION", "'IMAGE   '")]
        shape = [] if data is None else list(data.shape[::-1])
        cards += [("BITPIX", str(bitpix)), ("NAXIS", str(len(shape)))]
        cards += [(f"NAXIS{k + 1}", str(n)) for k, n in enumerate(shape)]
        if i > 0:
            cards += [("PCOUNT", "0"), ("GCOUNT", "1")]
        cards += [(k, str(v)) for k, v in (extra or {}).items()]
        header = "".join(f"{k:<8}= {v:>20}".ljust(80) for k, v in cards) + "END".ljust(80)
        out += header.ljust(-(-len(header) // 2880) * 2880).encode("ascii")
        if data is not None:
            dtype = {8: ">u1", 16: ">i2", 32: ">i4", 64: ">i8", -32: ">f4", -64: ">f8"}[bitpix]
            raw = np.ascontiguousarray(data.astype(dtype)).tobytes()
            out += raw + b"\0" * (-len(raw) % 2880)
    with open(path, "wb") as f:
        f.write(out)
