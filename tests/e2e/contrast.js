// The contrast ratio (WCAG 2.x relative luminance) of every visible piece of text on the page against the
// background it is drawn on: the colour with its alpha and every ancestor's opacity, over the first opaque
// background up the tree (translucent layers blended in). Charts (svg/canvas) and the data grid's canvas
// are left out: their text is checked through their tables.
() => {
  const parse = (c) => {
    const m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const p = m[1].split(",").map((s) => parseFloat(s));
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const channel = (v) => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
  };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const blend = (top, bottom) => {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) {
        layers.push(c);
        if (c[3] >= 1) break;
      }
    }
    let bg = [255, 255, 255, 1];
    for (let i = layers.length - 1; i >= 0; i--) bg = blend(layers[i], bg);
    return bg;
  };
  const out = [];
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    const text = walker.currentNode.textContent.trim();
    if (!text || !el || seen.has(el)) continue;
    seen.add(el);
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none") continue;
    if (el.offsetParent === null && style.position !== "fixed") continue;
    if (el.closest('svg, canvas, .js-plotly-plot, [role="tooltip"], [data-baseweb="popover"]')) continue;
    if (el.closest('[disabled], [aria-disabled="true"]')) continue; // WCAG exempts inactive controls
    const bg = background(el);
    let fg = parse(style.color);
    if (!fg) continue;
    let opacity = 1;
    for (let e = el; e; e = e.parentElement) opacity *= parseFloat(getComputedStyle(e).opacity || 1);
    fg = blend([fg[0], fg[1], fg[2], fg[3] * opacity], bg);
    const [l1, l2] = [luminance(fg), luminance(bg)];
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const holder = el.closest("[data-testid]");
    out.push({
      text: text.slice(0, 60),
      ratio: Math.round(ratio * 100) / 100,
      element: holder ? holder.getAttribute("data-testid") : el.tagName,
    });
  }
  return out;
};
