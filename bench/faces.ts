/**
 * The face engine on this machine: seconds per 1920-px photo, faces per second, model load
 * time, memory with the worker running and after it stopped, and identification accuracy on
 * a labelled set made from the photos the packages ship (face-api's demo/ group photos and
 * scikit-image's astronaut). Rewrites the "Measured" part of bench/results/faces.md.
 *
 *   npx tsx bench/faces.ts          (about a minute on 2 cores)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import type { Sharp } from 'sharp';
import { FaceApiEngine } from '../src/adapters/faces/face-api.js';
import { faceDistance, type DetectedFace } from '../src/adapters/faces/face-engine.js';
import { ASTRONAUT_PATH, cropAround, GROUP_PHOTOS } from '../test/helpers/faces.js';

const THRESHOLDS = [0.35, 0.4, 0.45, 0.5, 0.55, 0.6];
const MARKER = '## Measured by bench/faces.ts';
const mb = (bytes: number) => Math.round(bytes / 1e6);

interface Identity {
  label: string;
  source: Buffer;
  face: DetectedFace;
}

/** Two enrolment photos and two probes per person, each a different change of the source. */
const ENROL = [
  (crop: Sharp) => crop.resize({ width: 320 }).jpeg({ quality: 85 }),
  (crop: Sharp) => crop.flop().resize({ width: 260 }).webp({ quality: 75 }),
];
const PROBES = [
  (crop: Sharp) => crop.resize({ width: 200 }).modulate({ brightness: 1.25 }).jpeg({ quality: 40 }),
  (crop: Sharp) => crop.rotate(8, { background: '#808080' }).resize({ width: 240 }).blur(1).png(),
];

async function main(): Promise<void> {
  const load = loadavg()[0]!;
  const engine = new FaceApiEngine({ idleMs: 500 });
  const rssBefore = process.memoryUsage().rss;

  // Speed: the group photos as stored (1920 px), decode + orient + downscale + detect + describe.
  const identities: Identity[] = [];
  const first = performance.now();
  await engine.detect(GROUP_PHOTOS[0]!.bytes()); // includes the model load and warm-up
  const firstMs = performance.now() - first;
  let faceCount = 0;
  const started = performance.now();
  for (const photo of GROUP_PHOTOS) {
    const source = photo.bytes();
    const faces = await engine.detect(source);
    faceCount += faces.length;
    faces.forEach((face, index) => identities.push({ label: `${photo.name}#${index}`, source, face }));
  }
  const photoMs = performance.now() - started;
  const rssRunning = process.memoryUsage().rss;
  if (existsSync(ASTRONAUT_PATH)) {
    const source = readFileSync(ASTRONAUT_PATH);
    const [face] = await engine.detect(source);
    if (face) identities.push({ label: 'astronaut', source, face });
  }

  // The labelled set: each person enrolled from two derived photos, probed with two others.
  const gallery: { label: string; descriptor: Float32Array }[] = [];
  const probes: { label: string; descriptor: Float32Array | undefined }[] = [];
  for (const { label, source, face } of identities) {
    for (const make of ENROL) {
      const [found] = await engine.detect(await make(await cropAround(source, face.box, 1)).toBuffer());
      if (found) gallery.push({ label, descriptor: found.descriptor });
    }
    for (const make of PROBES) {
      const found = await engine.detect(await make(await cropAround(source, face.box, 1)).toBuffer());
      probes.push({ label, descriptor: found.sort((a, b) => b.score - a.score)[0]?.descriptor });
    }
  }
  const rssPeak = process.memoryUsage().rss;
  await new Promise((resolve) => setTimeout(resolve, 1500)); // the idle stop
  if (engine.running) throw new Error('the face worker did not stop when idle');
  const rssIdle = process.memoryUsage().rss;
  await engine.close();

  // Nearest person for each probe, with everyone enrolled (genuine) and without its own person
  // (an impostor: what /who would answer for a stranger).
  const nearest = (descriptor: Float32Array, except?: string) => {
    let best = { label: '', distance: Infinity };
    for (const entry of gallery) {
      if (entry.label === except) continue;
      const distance = faceDistance(descriptor, entry.descriptor);
      if (distance < best.distance) best = { label: entry.label, distance };
    }
    return best;
  };
  const genuine = probes.map((p) => (p.descriptor ? { correct: nearest(p.descriptor).label === p.label, distance: nearest(p.descriptor).distance } : undefined));
  const impostor = probes.flatMap((p) => (p.descriptor ? [nearest(p.descriptor, p.label).distance] : []));
  const detected = genuine.filter((g) => g !== undefined);
  const top1 = detected.filter((g) => g.correct).length / probes.length;
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const rows = THRESHOLDS.map((t) => {
    const correctAccept = detected.filter((g) => g.correct && g.distance <= t).length / probes.length;
    const wrongAccept = detected.filter((g) => !g.correct && g.distance <= t).length / probes.length;
    const falseAccept = impostor.filter((d) => d <= t).length / impostor.length;
    return `| ${t.toFixed(2)} | ${pct(correctAccept)} | ${pct(wrongAccept)} | ${pct(falseAccept)} |`;
  });

  const lines = [
    MARKER,
    '',
    `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, Node ${process.version}, 2 shared cores (load average ${load.toFixed(1)} at the start).`,
    '',
    '### Speed and memory',
    '| measure | value |',
    '|---|---|',
    `| first photo, model load and warm-up included | ${(firstMs / 1000).toFixed(2)} s (model load ${((engine.lastLoadMs ?? 0) / 1000).toFixed(2)} s) |`,
    `| per 1920-px group photo (decode, orient, downscale to 1024 px, detect, landmarks, descriptors) | ${(photoMs / GROUP_PHOTOS.length / 1000).toFixed(2)} s |`,
    `| faces per second | ${(faceCount / (photoMs / 1000)).toFixed(1)} (${faceCount} faces in ${GROUP_PHOTOS.length} photos, all of them found) |`,
    `| process RSS before the model | ${mb(rssBefore)} MB |`,
    `| process RSS with the worker running (after the group photos / at the end) | ${mb(rssRunning)} MB / ${mb(rssPeak)} MB |`,
    `| process RSS once the idle worker stopped | ${mb(rssIdle)} MB |`,
    '',
    '### Identification',
    `${identities.length} people (the ${faceCount} faces of the group photos${identities.length > faceCount ? ' and the astronaut' : ''}), each enrolled from two derived photos`,
    '(crop, 320 px JPEG; mirrored crop, 260 px WebP) and probed with two others (200 px brighter JPEG q40;',
    `rotated 8°, blurred PNG): ${gallery.length} enrolment faces, ${probes.length} probes, ${detected.length} of them with a face found.`,
    `Top-1 (the nearest enrolled face is the right person): **${pct(top1)}**.`,
    'Correct accept: nearest is the right person and within the distance. Wrong accept: nearest is someone else and',
    'within the distance. False accept: the probe\'s own person removed from the gallery (a stranger), yet someone is within the distance.',
    '',
    '| euclidean distance ≤ | correct accept | wrong accept | false accept (stranger) |',
    '|---|---|---|---|',
    ...rows,
    '',
    'The probes come from the same source photos as the enrolment (different crops, scales, codecs, mirror,',
    'rotation, blur), so these rates are optimistic for photos taken on different days; the false-accept',
    'column (different people) is not.',
  ];
  const resultsFile = path.join(import.meta.dirname, 'results', 'faces.md');
  const previous = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '# Faces\n';
  const head = previous.includes(MARKER) ? previous.slice(0, previous.indexOf(MARKER)) : `${previous.trimEnd()}\n\n`;
  writeFileSync(resultsFile, `${head}${lines.join('\n')}\n`);
  console.log(lines.join('\n'));
}

await main();
