import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildProgram, main, nearMisses } from '../../src/cli.js';

describe('near misses of a command name', () => {
  const program = buildProgram();

  it('suggests what commander\'s three edits cannot reach', () => {
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
