/** Fast number formatting for COPY lines (toFixed allocates and is slow on the hot path). */
const PAD4: string[] = Array.from({ length: 10_000 }, (_, i) => String(i).padStart(4, '0'));
const PAD3: string[] = Array.from({ length: 1_000 }, (_, i) => String(i).padStart(3, '0'));

/** x with 4 decimals, as numeric(9,4) takes it. */
export function fixed4(x: number): string {
  if (x < 0) return `-${fixed4(-x)}`;
  const n = Math.round(x * 10_000);
  const whole = Math.floor(n / 10_000);
  return `${whole}.${PAD4[n - whole * 10_000]}`;
}

/** x with 3 decimals (scores in 0..1). */
export function fixed3(x: number): string {
  if (x < 0) return `-${fixed3(-x)}`;
  const n = Math.round(x * 1_000);
  const whole = Math.floor(n / 1_000);
  return `${whole}.${PAD3[n - whole * 1_000]}`;
}
