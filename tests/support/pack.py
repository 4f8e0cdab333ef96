"""Reads an AstroPixel pyramid pack (format: docs/adr/0005-pyramid-pack-format.md), independently of the C++ reader."""
import json
import struct


class Pack:
    def __init__(self, path):
        self.data = open(path, "rb").read()
        assert self.data[:8] == b"APXPACK1"
        index_offset, count, meta_offset, meta_size, end = struct.unpack("<QQQI4s", self.data[-32:])
        assert end == b"APXE"
        self.meta = json.loads(self.data[meta_offset:meta_offset + meta_size])
        self.index = [struct.unpack_from("<QI", self.data, index_offset + 12 * i) for i in range(count)]
        w, h, ts = self.meta["width"], self.meta["height"], self.meta["tile_size"]
        self.max_level = max(0, (max(w, h) - 1).bit_length())
        self.levels = []
        for level in range(self.max_level + 1):
            shift = self.max_level - level
            lw, lh = -(-w // (1 << shift)), -(-h // (1 << shift))
            self.levels.append((lw, lh, -(-lw // ts), -(-lh // ts)))

    def preview(self):
        p = self.meta["preview"]
        return self.data[p["offset"]:p["offset"] + p["size"]]

    def tile(self, level, col, row):
        pos = sum(c * r for _, _, c, r in self.levels[:level]) + row * self.levels[level][2] + col
        offset, size = self.index[pos]
        return self.data[offset:offset + size]
