// The Cluster view's GPU heatmap: one canvas for every GPU of every node, drawn in a few fillRect batches
// (one per colour), so 1,000 nodes x 8 GPUs redraw in a few milliseconds. No DOM node per GPU: hover,
// click and the keyboard (arrow keys on the focused canvas) select a cell, and the caller shows its details.

/** What a GPU is doing, as drawn. */
export const CellState = { FREE: 0, ALLOCATED: 1, UNHEALTHY: 2, UNAVAILABLE: 3, NOT_READY: 4, DEGRADED: 5 };

export const LEGEND = [
  { state: CellState.FREE, label: 'Free', color: '#cfe8d5' },
  { state: CellState.ALLOCATED, label: 'Allocated (darker = busier)', color: '#2f6fad' },
  { state: CellState.DEGRADED, label: 'Degraded', color: '#e0a030' },
  { state: CellState.UNHEALTHY, label: 'Unhealthy', color: '#c8322d' },
  { state: CellState.UNAVAILABLE, label: 'Cordoned or draining', color: '#9aa3ad' },
  { state: CellState.NOT_READY, label: 'Node not ready', color: '#4a4f55' },
];

const SHADES = 11; // utilization buckets 0-10%, ..., 100%

/** Palette index of a cell: states are fixed colours, allocated and free GPUs are shaded by utilization. */
function paletteIndex(state, util) {
  const b = util == null ? 0 : Math.min(SHADES - 1, Math.max(0, Math.round(util / 10)));
  if (state === CellState.ALLOCATED) return b;
  if (state === CellState.FREE) return SHADES + b;
  return 2 * SHADES + state;
}

function buildPalette() {
  const p = [];
  // allocated: light to dark blue with utilization
  for (let i = 0; i < SHADES; i++) p.push(`hsl(210, 58%, ${72 - i * 4.4}%)`);
  // free: pale green, a little darker when something runs outside Drover
  for (let i = 0; i < SHADES; i++) p.push(`hsl(140, 38%, ${88 - i * 2.5}%)`);
  const fixed = [];
  fixed[CellState.UNHEALTHY] = '#c8322d';
  fixed[CellState.UNAVAILABLE] = '#9aa3ad';
  fixed[CellState.NOT_READY] = '#4a4f55';
  fixed[CellState.DEGRADED] = '#e0a030';
  for (let s = 0; s <= CellState.DEGRADED; s++) p.push(fixed[s] || '#000');
  return p;
}

const PALETTE = buildPalette();

/** The drawn state of one GPU of one node view. */
export function cellState(node, gpu) {
  if (gpu.health === 'Unhealthy') return CellState.UNHEALTHY;
  if (gpu.allocatedTo) return CellState.ALLOCATED;
  if (node.status !== 'Ready') return CellState.NOT_READY;
  if (node.cordoned || node.draining || gpu.schedulable === false) return CellState.UNAVAILABLE;
  if (gpu.health === 'Degraded') return CellState.DEGRADED;
  return CellState.FREE;
}

export class Heatmap {
  /**
   * @param canvas the canvas to draw on (its CSS width is the layout width)
   * @param onSelect called with {node, gpu, index} or null when the selected cell changes
   */
  constructor(canvas, { onSelect = () => {}, onHover = () => {}, maxHeight = 560 } = {}) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d', { alpha: false });
    this.onSelect = onSelect;
    this.onHover = onHover;
    this.maxHeight = maxHeight;
    this.nodes = [];
    this.cells = 0;
    this.nodeOf = new Int32Array(0);   // cell -> node index
    this.gpuOf = new Int16Array(0);    // cell -> gpu position in the node
    this.color = new Uint8Array(0);    // cell -> palette index
    this.x = new Float32Array(0);
    this.y = new Float32Array(0);
    this.selected = -1;
    this.offset = new Int32Array(0);
    this.bg = '#ffffff';
    this.width = 0;
    this.cell = 12;
    this.lastDrawMs = 0;
  }

  /** Takes the nodes to show (any order; drawn by name) and recomputes every cell's colour. */
  setNodes(nodes) {
    const keep = this.selected >= 0 ? this.keyOf(this.selected) : null;
    this.nodes = Array.from(nodes).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    let n = 0;
    for (const node of this.nodes) n += node.gpus.length;
    if (n !== this.cells) {
      this.cells = n;
      this.nodeOf = new Int32Array(n);
      this.gpuOf = new Int16Array(n);
      this.color = new Uint8Array(n);
      this.x = new Float32Array(n);
      this.y = new Float32Array(n);
    }
    this.offset = new Int32Array(this.nodes.length);
    let c = 0;
    for (let i = 0; i < this.nodes.length; i++) {
      const node = this.nodes[i];
      this.offset[i] = c;
      for (let g = 0; g < node.gpus.length; g++, c++) {
        const gpu = node.gpus[g];
        this.nodeOf[c] = i;
        this.gpuOf[c] = g;
        this.color[c] = paletteIndex(cellState(node, gpu), gpu.utilizationPercent);
      }
    }
    this.layout(this.width || this.canvas.clientWidth || 800);
    if (keep) this.selected = this.indexOf(keep.node, keep.gpu);
  }

  keyOf(i) {
    const node = this.nodes[this.nodeOf[i]];
    return node ? { node: node.name, gpu: node.gpus[this.gpuOf[i]].index } : null;
  }

  indexOf(nodeName, gpuIndex) {
    for (let c = 0; c < this.cells; c++) {
      const node = this.nodes[this.nodeOf[c]];
      if (node.name === nodeName && node.gpus[this.gpuOf[c]].index === gpuIndex) return c;
    }
    return -1;
  }

  /** Lays nodes out as blocks of up to 4 GPUs a row, with the biggest cells that keep the map under maxHeight. */
  layout(width) {
    this.width = Math.max(200, Math.floor(width));
    const maxGpus = this.nodes.reduce((m, n) => Math.max(m, n.gpus.length), 1);
    const cols = Math.min(4, maxGpus);
    const rows = Math.ceil(maxGpus / cols);
    const gap = 4;
    let size = 28;
    for (; size > 3; size--) {
      const bw = cols * size + gap;
      const perRow = Math.max(1, Math.floor((this.width + gap) / bw));
      const h = Math.ceil(this.nodes.length / perRow) * (rows * size + gap);
      if (h <= this.maxHeight) break;
    }
    this.cell = size;
    this.blockW = cols * size + gap;
    this.blockH = rows * size + gap;
    this.cols = cols;
    this.perRow = Math.max(1, Math.floor((this.width + gap) / this.blockW));
    this.height = Math.max(size + gap, Math.ceil(this.nodes.length / this.perRow) * this.blockH);
    for (let c = 0; c < this.cells; c++) {
      const i = this.nodeOf[c];
      const g = this.gpuOf[c];
      this.x[c] = (i % this.perRow) * this.blockW + (g % cols) * size;
      this.y[c] = Math.floor(i / this.perRow) * this.blockH + Math.floor(g / cols) * size;
    }
    const dpr = window.devicePixelRatio || 1;
    const w = Math.round(this.width * dpr);
    const h = Math.round(this.height * dpr);
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
      this.canvas.style.height = this.height + 'px';
    }
    this.dpr = dpr;
    this.bg = getComputedStyle(this.canvas).getPropertyValue('--heatmap-bg').trim() || '#ffffff';
  }

  /** Redraws every cell: one fillStyle per palette colour, then the selection ring. */
  draw() {
    const t0 = performance.now();
    const ctx = this.ctx;
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.fillStyle = this.bg;
    ctx.fillRect(0, 0, this.width, this.height);
    const inner = this.cell > 5 ? this.cell - 1 : this.cell;
    // bucket cells by colour once per draw: 8,000 cells, ~30 colours
    const counts = new Uint32Array(PALETTE.length + 1);
    for (let c = 0; c < this.cells; c++) counts[this.color[c] + 1]++;
    for (let k = 1; k < counts.length; k++) counts[k] += counts[k - 1];
    const order = new Uint32Array(this.cells);
    const fill = counts.slice(0, PALETTE.length);
    for (let c = 0; c < this.cells; c++) order[fill[this.color[c]]++] = c;
    for (let k = 0; k < PALETTE.length; k++) {
      const from = counts[k];
      const to = counts[k + 1];
      if (from === to) continue;
      ctx.fillStyle = PALETTE[k];
      for (let j = from; j < to; j++) {
        const c = order[j];
        ctx.fillRect(this.x[c], this.y[c], inner, inner);
      }
    }
    if (this.selected >= 0 && this.selected < this.cells) {
      const c = this.selected;
      ctx.lineWidth = 2;
      ctx.strokeStyle = '#ffbf00';
      ctx.strokeRect(this.x[c] - 1, this.y[c] - 1, inner + 2, inner + 2);
      ctx.strokeStyle = '#111';
      ctx.lineWidth = 1;
      ctx.strokeRect(this.x[c] - 2.5, this.y[c] - 2.5, inner + 5, inner + 5);
    }
    this.lastDrawMs = performance.now() - t0;
    return this.lastDrawMs;
  }

  /** The cell under a point in CSS pixels of the canvas, or -1. */
  cellAt(px, py) {
    const bx = Math.floor(px / this.blockW);
    const by = Math.floor(py / this.blockH);
    if (bx < 0 || bx >= this.perRow || by < 0) return -1;
    const i = by * this.perRow + bx;
    if (i >= this.nodes.length) return -1;
    const gx = Math.floor((px - bx * this.blockW) / this.cell);
    const gy = Math.floor((py - by * this.blockH) / this.cell);
    if (gx >= this.cols) return -1;
    const g = gy * this.cols + gx;
    if (g >= this.nodes[i].gpus.length) return -1;
    return this.offset[i] + g;
  }

  /** What a cell shows: the node view, the GPU view, the cell number. */
  describe(c) {
    if (c < 0 || c >= this.cells) return null;
    const node = this.nodes[this.nodeOf[c]];
    return { node, gpu: node.gpus[this.gpuOf[c]], index: c };
  }

  select(c) {
    this.selected = c;
    this.draw();
    this.onSelect(this.describe(c));
  }

  /** Arrow keys move across the drawn grid (left/right by GPU, up/down by block row), Home/End to the ends. */
  key(e) {
    if (!this.cells) return false;
    let c = this.selected < 0 ? 0 : this.selected;
    const node = this.nodeOf[c];
    const g = this.gpuOf[c];
    switch (e.key) {
      case 'ArrowRight': c = Math.min(this.cells - 1, c + 1); break;
      case 'ArrowLeft': c = Math.max(0, c - 1); break;
      case 'ArrowDown': c = this.firstOf(node + this.perRow, g); break;
      case 'ArrowUp': c = this.firstOf(node - this.perRow, g); break;
      case 'PageDown': c = this.firstOf(node + this.perRow * 5, g); break;
      case 'PageUp': c = this.firstOf(node - this.perRow * 5, g); break;
      case 'Home': c = 0; break;
      case 'End': c = this.cells - 1; break;
      default: return false;
    }
    this.select(c);
    return true;
  }

  firstOf(nodeIndex, gpu) {
    const i = Math.max(0, Math.min(this.nodes.length - 1, nodeIndex));
    return this.offset[i] + Math.min(gpu, this.nodes[i].gpus.length - 1);
  }
}
