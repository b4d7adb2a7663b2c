/**
 * What is wrong with an Ed25519 public key (RFC 8032 §5.1.3), or `undefined` when it is a
 * usable one: 32 bytes that decode canonically to a point of the curve's prime-order
 * subgroup, other than the identity.
 *
 * Why: OpenSSL (`node:crypto`) imports any 32 bytes as a public key and verifies against
 * them. A small-order point — the identity (`x` = `AQAA…AA`), or the all-zero `x` — accepts
 * signatures that nobody made: for the identity, `R` = identity and `S` = 0 verify for every
 * message. A JWKS (an inline one, or one served by a compromised or mistaken endpoint)
 * must not be able to turn verification off that way. Run once per imported key, not per
 * delivery; a few milliseconds of BigInt arithmetic.
 *
 * Internal to the Sovrin provider.
 */
export function ed25519PublicKeyProblem(x: Uint8Array): string | undefined {
  if (x.length !== 32) return `it is ${x.length} bytes, not 32`;
  const sign = x[31]! >> 7;
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(i === 31 ? x[i]! & 0x7f : x[i]!);
  if (y >= P) return "it is not a canonical encoding (y ≥ 2^255 − 19)";
  const point = decompress(y, sign);
  if (point === undefined) return "it is not a point of the Ed25519 curve";
  if (isIdentity(point) || isIdentity(double(double(double(point))))) {
    return "it is a small-order point (order 1, 2, 4 or 8): signatures made by nobody would verify against it";
  }
  if (!isIdentity(multiply(point, L))) return "it is not in the prime-order subgroup (it has a small-order component)";
  return undefined;
}

const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const D = mod(-121665n * inverse(121666n));
const D2 = mod(2n * D);
const SQRT_M1 = power(2n, (P - 1n) / 4n);

/** Extended coordinates (X : Y : Z : T), x = X/Z, y = Y/Z, xy = T/Z. */
type Point = readonly [bigint, bigint, bigint, bigint];

function mod(a: bigint): bigint {
  const r = a % P;
  return r < 0n ? r + P : r;
}

function power(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return result;
}

function inverse(a: bigint): bigint {
  return power(a, P - 2n);
}

/** RFC 8032 §5.1.3 steps 2–4: x from y and the sign bit, or undefined when there is none. */
function decompress(y: bigint, sign: number): Point | undefined {
  const y2 = (y * y) % P;
  const u = mod(y2 - 1n);
  const v = mod(D * y2 + 1n);
  const v3 = (v * v * v) % P;
  let x = (u * v3 * power(u * v3 * v3 * v, (P - 5n) / 8n)) % P;
  const vx2 = (v * x * x) % P;
  if (vx2 !== u) {
    if (vx2 !== mod(-u)) return undefined;
    x = (x * SQRT_M1) % P;
  }
  if (x === 0n && sign === 1) return undefined;
  if (Number(x & 1n) !== sign) x = P - x;
  return [x, y, 1n, (x * y) % P];
}

function isIdentity([X, Y, Z]: Point): boolean {
  return mod(X) === 0n && mod(Y - Z) === 0n;
}

// add-2008-hwcd-3 and dbl-2008-hwcd for a = −1.
function add([X1, Y1, Z1, T1]: Point, [X2, Y2, Z2, T2]: Point): Point {
  const A = mod((Y1 - X1) * (Y2 - X2));
  const B = mod((Y1 + X1) * (Y2 + X2));
  const C = mod(T1 * D2 * T2);
  const Dd = mod(2n * Z1 * Z2);
  const E = B - A;
  const F = Dd - C;
  const G = Dd + C;
  const H = B + A;
  return [mod(E * F), mod(G * H), mod(F * G), mod(E * H)];
}

function double([X1, Y1, Z1]: Point): Point {
  const A = mod(X1 * X1);
  const B = mod(Y1 * Y1);
  const C = mod(2n * Z1 * Z1);
  const H = A + B;
  const E = mod(H - (X1 + Y1) * (X1 + Y1));
  const G = A - B;
  const F = C + G;
  return [mod(E * F), mod(G * H), mod(F * G), mod(E * H)];
}

function multiply(point: Point, scalar: bigint): Point {
  let result: Point = [0n, 1n, 1n, 0n];
  let addend = point;
  let k = scalar;
  while (k > 0n) {
    if (k & 1n) result = add(result, addend);
    addend = double(addend);
    k >>= 1n;
  }
  return result;
}
