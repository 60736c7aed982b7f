import { Type, type Static } from 'typebox';

const Text = Type.String();
const Count = Type.Integer({ minimum: 0 });

/**
 * The `metadata` object of a file (API.md), as the describe step read it from the bytes.
 * Every group is optional: a file shows what it carries. Stored as JSON on the row, except
 * `takenAtSource`, which is a column of its own.
 */
export const MetadataSchema = Type.Object(
  {
    takenAtSource: Type.Union([Type.Literal('exif'), Type.Literal('container'), Type.Literal('upload')], {
      description: 'Where takenAt comes from: the photo\'s EXIF/XMP, the audio/video container, or (nothing said) the upload time',
    }),
    takenAtLocal: Type.Optional(Type.String({ description: 'The wall-clock time where it was taken, YYYY-MM-DDTHH:MM:SS' })),
    timeZone: Type.Optional(Type.String({ description: 'The UTC offset it was taken at (+HH:MM), when the file says; without it takenAt reads the wall clock as UTC' })),
    camera: Type.Optional(
      Type.Object({
        make: Type.Optional(Text),
        model: Type.Optional(Text),
        lens: Type.Optional(Text),
        exposureTime: Type.Optional(Type.Number({ description: 'seconds' })),
        fNumber: Type.Optional(Type.Number()),
        iso: Type.Optional(Type.Number()),
        focalLength: Type.Optional(Type.Number({ description: 'millimetres' })),
      }),
    ),
    orientation: Type.Optional(Type.Integer({ minimum: 1, maximum: 8, description: 'EXIF orientation; width, height and the thumbnail are already turned' })),
    location: Type.Optional(Type.Object({ latitude: Type.Number(), longitude: Type.Number(), altitude: Type.Optional(Type.Number({ description: 'metres' })) })),
    video: Type.Optional(Type.Object({ codec: Type.Optional(Text), audioCodec: Type.Optional(Text), frameRate: Type.Optional(Type.Number()) })),
    audio: Type.Optional(Type.Object({ codec: Type.Optional(Text), sampleRate: Type.Optional(Count), channels: Type.Optional(Count), bitRate: Type.Optional(Count) })),
    tags: Type.Optional(
      Type.Object({ title: Type.Optional(Text), artist: Type.Optional(Text), album: Type.Optional(Text), track: Type.Optional(Count), year: Type.Optional(Count), genre: Type.Optional(Text) }),
    ),
  },
  { description: 'What the file\'s own bytes say: EXIF/XMP, container facts, audio tags' },
);

export type MediaMetadata = Static<typeof MetadataSchema>;
export type TakenAtSource = MediaMetadata['takenAtSource'];
/** The stored part: everything but the source, which has its own column. */
export type StoredMetadata = Omit<MediaMetadata, 'takenAtSource'>;

export function parseStoredMetadata(json: string | null): StoredMetadata {
  if (json === null) return {};
  try {
    const value = JSON.parse(json) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as StoredMetadata) : {};
  } catch {
    return {};
  }
}
