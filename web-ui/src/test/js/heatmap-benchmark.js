// Heatmap benchmark, run inside the signed-in Cluster view by WebUiTest (executeAsyncScript): 1,000 nodes x
// 8 GPUs of synthetic data go through the page's own modules. Measures, in milliseconds:
//   drawOnly      - Heatmap.draw() of 8,000 cells (JS time of the canvas calls)
//   update        - setNodes() of 1,000 changed nodes + draw()
//   updateFlushed - the same plus getImageData(1 px), which waits for the canvas to be rasterized
//   livePage      - 1,000 applyNode() calls into the page's store -> the frame in which the live heatmap redrew
//   fps           - frames per second while a fresh 1,000 x 8 picture is drawn every animation frame for 3 s
const done = arguments[arguments.length - 1];
(async () => {
  const { Heatmap } = await import('/ui/heatmap.js');
  const store = await import('/ui/store.js');
  const NODES = 1000;
  const GPUS = 8;
  const pad = i => String(i).padStart(4, '0');
  const picture = t => {
    const nodes = [];
    for (let i = 0; i < NODES; i++) {
      const gpus = [];
      for (let g = 0; g < GPUS; g++) {
        const k = i * GPUS + g;
        gpus.push({
          index: g, uuid: 'GPU-' + k, name: 'Synthetic H100', memoryBytes: 85899345920,
          health: k % 211 === 0 ? 'Unhealthy' : k % 157 === 0 ? 'Degraded' : 'Healthy',
          allocatedTo: (k + t) % 3 ? 'j-' + pad(k % 997) + '/0' : null,
          utilizationPercent: (k * 7 + t * 13) % 101, memoryUsedBytes: ((k + t) % 80) * 1073741824,
          temperatureC: 40 + ((k + t) % 45), powerWatts: 100 + ((k * 3 + t) % 600), schedulable: true,
        });
      }
      nodes.push({
        name: 'bench-' + pad(i), status: i % 250 === 7 ? 'NotReady' : 'Ready', cordoned: i % 97 === 0, draining: false,
        health: 'Healthy', gpus, gpuCount: GPUS, gpusAllocated: gpus.filter(g => g.allocatedTo).length, labels: {},
      });
    }
    return nodes;
  };
  const stats = xs => {
    const s = xs.slice().sort((a, b) => a - b);
    const q = p => s[Math.min(s.length - 1, Math.floor(p * s.length))];
    return { n: s.length, median: +q(0.5).toFixed(2), p95: +q(0.95).toFixed(2), max: +s[s.length - 1].toFixed(2) };
  };
  const frame = () => new Promise(r => requestAnimationFrame(r));

  const canvas = document.createElement('canvas');
  canvas.style.width = '1200px';
  document.body.appendChild(canvas);
  const map = new Heatmap(canvas, {});
  map.layout(1200);
  const pictures = [];
  for (let t = 0; t < 20; t++) pictures.push(picture(t));
  for (let t = 0; t < 10; t++) { map.setNodes(pictures[t % 20]); map.draw(); } // warm-up

  const drawOnly = [];
  for (let i = 0; i < 100; i++) { const a = performance.now(); map.draw(); drawOnly.push(performance.now() - a); }
  const update = [];
  for (let i = 0; i < 100; i++) {
    const a = performance.now(); map.setNodes(pictures[i % 20]); map.draw(); update.push(performance.now() - a);
  }
  const ctx = canvas.getContext('2d');
  const updateFlushed = [];
  for (let i = 0; i < 100; i++) {
    const a = performance.now(); map.setNodes(pictures[i % 20]); map.draw(); ctx.getImageData(0, 0, 1, 1);
    updateFlushed.push(performance.now() - a);
  }
  let frames = 0;
  const until = performance.now() + 3000;
  const f0 = performance.now();
  while (performance.now() < until) { map.setNodes(pictures[frames % 20]); map.draw(); frames++; await frame(); }
  const fps = frames / ((performance.now() - f0) / 1000);
  const layout = { cellPx: map.cell, width: map.width, height: map.height, perRow: map.perRow };
  canvas.remove();

  // The live page: its store gets 1,000 node pictures; its heatmap redraws in the next frame.
  const live = window.droverHeatmap;
  const livePage = [];
  for (let i = 0; i < 30; i++) {
    const nodes = pictures[i % 20];
    await frame();
    const a = performance.now();
    for (const n of nodes) store.applyNode(n);
    await frame();
    livePage.push(performance.now() - a);
  }
  done({
    cells: map.cells, liveCells: live.cells, layout, devicePixelRatio: window.devicePixelRatio,
    userAgent: navigator.userAgent, hardwareConcurrency: navigator.hardwareConcurrency,
    drawOnly: stats(drawOnly), update: stats(update), updateFlushed: stats(updateFlushed), livePage: stats(livePage),
    fps: +fps.toFixed(1), liveLastDrawMs: +live.lastDrawMs.toFixed(2),
  });
})().catch(e => done({ error: String(e && e.stack || e) }));
