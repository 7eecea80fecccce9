/** The volume presets of `dreamdb seed --scale`: apart from the generator, for the flag's choices at start-up. */
export const SCALES = {
  small: { artists: 100, days: 90 },
  medium: { artists: 1_000, days: 365 },
  large: { artists: 10_000, days: 730 },
} as const;
export type ScaleName = keyof typeof SCALES;
