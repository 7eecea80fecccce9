import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildProgram, main, nearMisses } from '../../src/cli.js';

describe('near misses of a command name', () => {
  const program = buildProgram();

  it("suggests what commander's three edits cannot reach", () => {
    expect(nearMisses(program, 'audit')).toEqual(['audit-rls']);
    expect(nearMisses(program, 'diff')).toEqual(['db diff']);
    expect(nearMisses(program, 'reset')).toEqual(['db reset']);
    expect(nearMisses(program, 'drift')).toEqual(['status --drift']);
    expect(nearMisses(program, 'gen-types')).toEqual(['gen types']);
    expect(nearMisses(program, 'repair')).toEqual(['migration repair']);
  });

  it('leaves the rest to commander, and guesses nothing from nothing', () => {
    expect(nearMisses(program, 'seeds')).toEqual([]);
    expect(nearMisses(program, 'xyzzy')).toEqual([]);
    expect(nearMisses(program, 'db')).toEqual([]);
  });
});

describe('an unknown command', () => {
  afterEach(() => vi.restoreAllMocks());

  async function stderrOf(argv: string[]): Promise<{ code: number; stderr: string }> {
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    const code = await main(argv);
    return { code, stderr };
  }

  it('`dreamdb audit` exits 2 and names audit-rls, as other typos get their suggestion', async () => {
    const audit = await stderrOf(['audit']);
    expect(audit.code).toBe(2);
    expect(audit.stderr).toContain("unknown command 'audit'");
    expect(audit.stderr).toContain('(Did you mean audit-rls?)');
    const typo = await stderrOf(['migrat']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('(Did you mean migrate?)');
  });
});

describe('flag names: one meaning each, old spellings deprecated', () => {
  afterEach(() => vi.restoreAllMocks());

  const option = (path: string[], long: string) => {
    let cmd = buildProgram();
    for (const name of path) cmd = cmd.commands.find((c) => c.name() === name)!;
    const found = cmd.options.find((o) => o.long === long);
    if (!found) throw new Error(`${path.join(' ')} has no ${long}`);
    return found;
  };
  const parse = (path: string[], long: string, value: string) => {
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    const opt = option(path, long);
    const parsed = opt.parseArg!(value, undefined);
    vi.restoreAllMocks();
    return { parsed, stderr, hidden: opt.hidden };
  };

  it('--wait-timeout is the wait for another run; its durations are milliseconds', () => {
    expect(parse(['migrate'], '--wait-timeout', '30s')).toEqual({ parsed: 30_000, stderr: '', hidden: false });
    expect(parse(['partitions', 'rotate'], '--wait-timeout', '500ms')).toEqual({
      parsed: 500,
      stderr: '',
      hidden: false,
    });
  });

  it('--lock-timeout of partitions rotate is the DDL lock_timeout, a duration', () => {
    expect(parse(['partitions', 'rotate'], '--lock-timeout', '2s')).toEqual({
      parsed: 2_000,
      stderr: '',
      hidden: false,
    });
  });

  it('the old spellings still work, hidden, with one line on stderr', () => {
    const migrate = parse(['migrate'], '--lock-timeout', '5s');
    expect(migrate.parsed).toBe(5_000);
    expect(migrate.hidden).toBe(true);
    expect(migrate.stderr.trim().split('\n')).toHaveLength(1);
    expect(migrate.stderr).toMatch(/deprecated: --lock-timeout .*--wait-timeout/);
    const wait = parse(['partitions', 'rotate'], '--wait', '1500');
    expect(wait).toMatchObject({ parsed: 1_500, hidden: true });
    expect(wait.stderr).toMatch(/deprecated: --wait .*--wait-timeout/);
    const bare = parse(['partitions', 'rotate'], '--lock-timeout', '200');
    expect(bare.parsed).toBe(200);
    expect(bare.stderr).toMatch(/deprecated: --lock-timeout 200 \(milliseconds\).*200ms/);
  });
});
