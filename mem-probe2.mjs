for (const s of process.argv.slice(2)) await import(s);
global.gc?.();
const m = process.memoryUsage();
console.log(process.argv.slice(2).join(','), 'rss', (m.rss/1048576).toFixed(1), 'heapUsed', (m.heapUsed/1048576).toFixed(1), 'heapTotal', (m.heapTotal/1048576).toFixed(1), 'ext', (m.external/1048576).toFixed(1));
