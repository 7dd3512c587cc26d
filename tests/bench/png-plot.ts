/** A line chart as a PNG without dependencies (RSS of the soak run): white background, axes, grid, one series. */
import { deflateSync } from 'node:zlib';

const CRC = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(b: Buffer): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC[(c ^ x) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** points: [x, y]; returns PNG bytes. The y axis starts at 0; grid lines every yStep. */
export function linePng(
  points: Array<[number, number]>,
  o: { width?: number; height?: number; yStep: number; yMax?: number; bound?: number },
): Buffer {
  const W = o.width ?? 800,
    H = o.height ?? 400,
    pad = 40;
  const px = Buffer.alloc(W * H * 3, 255);
  const set = (x: number, y: number, rgb: [number, number, number]) => {
    if (x < 0 || y < 0 || x >= W || y >= H) return;
    const i = (Math.round(y) * W + Math.round(x)) * 3;
    px[i] = rgb[0];
    px[i + 1] = rgb[1];
    px[i + 2] = rgb[2];
  };
  const line = (x0: number, y0: number, x1: number, y1: number, rgb: [number, number, number]) => {
    const n = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
    for (let k = 0; k <= n; k++) {
      set(x0 + ((x1 - x0) * k) / n, y0 + ((y1 - y0) * k) / n, rgb);
      set(x0 + ((x1 - x0) * k) / n, y0 + ((y1 - y0) * k) / n + 1, rgb);
    }
  };
  const xMax = Math.max(1, ...points.map((p) => p[0]));
  const yMax = o.yMax ?? Math.max(o.yStep, ...points.map((p) => p[1]), o.bound ?? 0) * 1.1;
  const X = (x: number) => pad + (x / xMax) * (W - 2 * pad);
  const Y = (y: number) => H - pad - (y / yMax) * (H - 2 * pad);
  for (let g = 0; g <= yMax; g += o.yStep) line(pad, Y(g), W - pad, Y(g), [225, 225, 225]);
  line(pad, H - pad, W - pad, H - pad, [0, 0, 0]);
  line(pad, pad, pad, H - pad, [0, 0, 0]);
  if (o.bound) line(pad, Y(o.bound), W - pad, Y(o.bound), [220, 40, 40]);
  for (let k = 1; k < points.length; k++)
    line(X(points[k - 1]![0]), Y(points[k - 1]![1]), X(points[k]![0]), Y(points[k]![1]), [30, 90, 200]);
  const raw = Buffer.alloc((W * 3 + 1) * H);
  for (let y = 0; y < H; y++) px.copy(raw, y * (W * 3 + 1) + 1, y * W * 3, (y + 1) * W * 3);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(W, 0);
  ihdr.writeUInt32BE(H, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
