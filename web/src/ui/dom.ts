// A tiny typed DOM builder. Strings always become text nodes, never markup, so user-supplied names
// and labels are escaped by construction; there is no innerHTML anywhere in the app.
export type Child = Node | string | number | null | undefined | false | Child[];

export interface Props {
  class?: string;
  id?: string;
  // Attributes (aria-*, href, type, ...). `false`/`null` leave the attribute out.
  attrs?: Record<string, string | number | boolean | null | undefined>;
  // Handlers may be async: a rejected promise is reported like an exception thrown by a synchronous
  // handler (the console), never left as an unhandled rejection.
  on?: { [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void | Promise<void> };
  style?: Partial<Record<string, string>>;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props) {
    if (props.class) node.className = props.class;
    if (props.id) node.id = props.id;
    for (const [name, value] of Object.entries(props.attrs ?? {})) {
      if (value === false || value === null || value === undefined) continue;
      node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const [name, handler] of Object.entries(props.on ?? {})) {
      const listener = handler as (event: Event) => void | Promise<void>;
      node.addEventListener(name, (event) => {
        const result = listener(event);
        if (result instanceof Promise) result.catch((e: unknown) => console.error(e));
      });
    }
    for (const [name, value] of Object.entries(props.style ?? {})) {
      if (value !== undefined) node.style.setProperty(name, value);
    }
  }
  append(node, children);
  return node;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else if (child instanceof Node) parent.appendChild(child);
    else parent.appendChild(document.createTextNode(String(child)));
  }
}

export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

export function formatBytes(n: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i += 1;
  }
  return `${v >= 100 || i === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

export function formatPixels(width: number, height: number): string {
  const mp = (width * height) / 1e6;
  const size = mp >= 1000 ? `${(mp / 1000).toFixed(2)} GP` : `${mp.toFixed(1)} MP`;
  return `${width.toLocaleString("en")} × ${height.toLocaleString("en")} px (${size})`;
}
