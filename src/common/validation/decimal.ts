/**
 * A non-negative integer written as PostgreSQL writes one (decimal digits, no sign, no space, no leading
 * zero), up to `max`; null for anything else. BigInt, so that 64-bit ids keep every digit.
 */
export function parseDecimal(text: string, max: bigint): bigint | null {
  let value: bigint;
  try {
    value = BigInt(text);
  } catch {
    return null;
  }
  // BigInt() also takes '', ' 7', '0x10' and '007'; only the canonical spelling round-trips.
  return String(value) === text && value >= 0n && value <= max ? value : null;
}
