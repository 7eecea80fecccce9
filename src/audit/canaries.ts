/**
 * Canaries: every value the fixtures wrote that is unique to one artist (text markers, uuids,
 * emails, tenant ids, object names). Anything an actor observes (rows, function results, error
 * messages) is scanned for another artist's canaries.
 */
import type { FixtureArtist } from './fixtures.js';
import type { Target } from './targets.js';

export class Canaries {
  /** canary -> artist key */
  private readonly owners = new Map<string, string>();

  constructor(artists: FixtureArtist[], targets: Target[]) {
    const seen = new Map<string, Set<string>>();
    const note = (value: string | null | undefined, key: string) => {
      if (!value || value.length < 8) return;
      const set = seen.get(value) ?? new Set<string>();
      set.add(key);
      seen.set(value, set);
    };
    for (const a of artists) {
      note(a.id, a.key);
      note(a.sub, a.key);
      note(a.email, a.key);
    }
    for (const t of targets) {
      for (const [key, rows] of t.fixtures) {
        for (const row of rows) {
          for (const v of row.key) if (/^[0-9a-f-]{36}$/i.test(v)) note(v, key);
          for (const v of Object.values(row.values))
            if (v && (/^audit-/.test(v) || /^[0-9a-f-]{36}$/i.test(v) || v.includes('/'))) note(v, key);
        }
      }
    }
    // A value two artists share (a lookup row's id) tells nothing.
    for (const [value, keys] of seen) if (keys.size === 1) this.owners.set(value, [...keys][0]!);
    this.paths = [...this.owners.keys()].filter((v) => v.includes('/') && !/^audit-/.test(v));
  }

  private readonly paths: string[];

  /** Canaries of artists other than `self` found in `text`, minus values the actor passed in itself. */
  foreign(
    text: string | null | undefined,
    self: string | string[] | undefined,
    passed: (string | null)[] = [],
  ): string[] {
    const selves = new Set(Array.isArray(self) ? self : self ? [self] : []);
    if (!text) return [];
    const found = new Set<string>();
    const check = (value: string) => {
      const owner = this.owners.get(value);
      if (!owner || selves.has(owner)) return;
      if (passed.some((p) => p !== null && p.length >= 8 && (p.includes(value) || value.includes(p)))) return;
      found.add(value);
    };
    // Tokens that can be canaries: uuids, the audit's markers and emails, object paths.
    for (const m of text.matchAll(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi))
      check(m[0].toLowerCase());
    for (const m of text.matchAll(/audit-[0-9a-f]{6}-[a-z0-9_.@-]+/g)) {
      // A marker followed by more text: try every prefix ending at a separator (markers end in -<n>).
      const token = m[0];
      check(token);
      for (let i = token.length - 1; i > 12; i -= 1)
        if (!/[0-9]/.test(token[i]!) || (i + 1 < token.length && !/[0-9]/.test(token[i + 1]!)))
          check(token.slice(0, i + 1));
    }
    for (const value of this.paths) if (text.includes(value)) check(value);
    return [...found];
  }

  get size(): number {
    return this.owners.size;
  }
}
