// The coarse overview under a pyramid still being built (#17 point 2, `building.preview`): the
// dataset's preview, written before any tile when the source makes it cheap, drawn as the bottom
// item of OpenSeadragon's world so the whole image shows, blurred, where no tile exists yet. Pure
// logic, tested in overview.test.ts; live_build_view.ts adds the item.

// The preview as a tile source of one tile covering the whole image at full size, so OpenSeadragon
// stretches it over exactly the image's bounds. (A plain image source, {type: "image"}, keeps the
// preview's own aspect, which the rounding of its size makes differ from the image's: its bottom
// would fall short of, or past, the image's.) Its only level is the full-size one, so it is drawn at
// every zoom, upscaled with the drawer's smoothing (on by default): blurred, not blocky. `overview`
// is copied onto OpenSeadragon's tile source, which is how isOverview knows the item.
export function overviewTileSource(
  size: { width: number; height: number },
  url: string,
): {
  overview: true;
  width: number;
  height: number;
  tileWidth: number;
  tileHeight: number;
  tileOverlap: number;
  minLevel: number;
  maxLevel: number;
  getTileUrl: () => string;
} {
  return {
    overview: true,
    width: size.width,
    height: size.height,
    tileWidth: size.width,
    tileHeight: size.height,
    tileOverlap: 0,
    minLevel: 0,
    maxLevel: 0,
    getTileUrl: () => url,
  };
}

export function isOverview(item: { source: unknown }): boolean {
  return (item.source as { overview?: unknown } | null)?.overview === true;
}

interface World<T> {
  getItemCount(): number;
  getItemAt(index: number): T;
}

// The world's items that are the pyramid's tiled images, bottom first (the overview left out).
export function tiledItems<T extends { source: unknown }>(world: World<T>): T[] {
  const items: T[] = [];
  for (let i = 0; i < world.getItemCount(); i++) {
    const item = world.getItemAt(i);
    if (!isOverview(item)) items.push(item);
  }
  return items;
}

// The item whose image coordinates are the pyramid's: anything reading positions from the world
// (the navigation bar) asks here, never item 0, which is the overview while one is shown.
export function pyramidItem<T extends { source: unknown }>(world: World<T>): T | undefined {
  return tiledItems(world)[0];
}
