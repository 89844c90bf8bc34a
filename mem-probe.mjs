const spec = process.argv[2];
const before = process.memoryUsage();
if (spec) await import(spec);
global.gc?.();
const m = process.memoryUsage();
console.log(spec, 'rss', (m.rss/1048576).toFixed(1), 'heapUsed', (m.heapUsed/1048576).toFixed(1), 'heapTotal', (m.heapTotal/1048576).toFixed(1), 'ext', (m.external/1048576).toFixed(1));
