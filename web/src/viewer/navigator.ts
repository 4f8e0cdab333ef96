// The navigator (OpenSeadragon's minimap), added to a viewer that was made without one. Made with
// the viewer, it is a second viewer built in the same task and opening the same image, about half
// of the viewer's construction time on the way to the first tile (issue #17 point 5); the page adds
// it once the first tile is drawn. What OpenSeadragon's constructor does for showNavigator, with
// the image already open: each world item is mirrored as the viewer's own addTiledImage would.
import OpenSeadragon from "openseadragon";

// The Viewer's own option fields the navigator is made from (set from its options; not in the typings).
interface ViewerInternals {
  navigator: OpenSeadragon.Navigator | null;
  navigatorElement?: HTMLElement;
  navigatorId?: string;
  navigatorSizeRatio: number;
  navigatorMaintainSizeRatio: boolean;
  navigatorTop?: number;
  navigatorLeft?: number;
  navigatorWidth?: number;
  navigatorHeight?: number;
  navigatorAutoFade: boolean;
  prefixUrl: string;
  navigatorRotate: boolean;
  navigatorBackground: string;
  navigatorOpacity: number;
  navigatorBorderColor: string;
  navigatorDisplayRegionColor: string;
  crossOriginPolicy: string | boolean;
  animationTime: number;
  drawerOptions: object;
  loadTilesWithAjax: boolean;
  ajaxHeaders: object;
  ajaxWithCredentials: boolean;
}

// Adds the navigator at `position` (an OpenSeadragon ControlAnchor name) unless the viewer has one.
export function addNavigator(viewer: OpenSeadragon.Viewer, position: string, drawer: string): void {
  const v = viewer as unknown as ViewerInternals;
  if (v.navigator) return;
  const NavigatorClass = OpenSeadragon.Navigator as unknown as new (options: object) => OpenSeadragon.Navigator;
  const navigator = new NavigatorClass({
    element: v.navigatorElement,
    id: v.navigatorId,
    position,
    sizeRatio: v.navigatorSizeRatio,
    maintainSizeRatio: v.navigatorMaintainSizeRatio,
    top: v.navigatorTop,
    left: v.navigatorLeft,
    width: v.navigatorWidth,
    height: v.navigatorHeight,
    autoFade: v.navigatorAutoFade,
    prefixUrl: v.prefixUrl,
    viewer,
    navigatorRotate: v.navigatorRotate,
    background: v.navigatorBackground,
    opacity: v.navigatorOpacity,
    borderColor: v.navigatorBorderColor,
    displayRegionColor: v.navigatorDisplayRegionColor,
    crossOriginPolicy: v.crossOriginPolicy,
    animationTime: v.animationTime,
    drawer,
    drawerOptions: v.drawerOptions,
    loadTilesWithAjax: v.loadTilesWithAjax,
    ajaxHeaders: v.ajaxHeaders,
    ajaxWithCredentials: v.ajaxWithCredentials,
  });
  v.navigator = navigator;
  // Items added from now on are mirrored by the viewer itself (it checks for a navigator).
  for (let i = 0; i < viewer.world.getItemCount(); i++) {
    const item = viewer.world.getItemAt(i);
    // originalTiledImage: OpenSeadragon's own field (not in the typings) tying the copy to the item.
    navigator.addTiledImage({ tileSource: item.source, originalTiledImage: item } as OpenSeadragon.TileSourceSpecifier);
  }
  navigator.update(viewer.viewport);
}
