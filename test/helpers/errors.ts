/**
 * Assert what kind of error a library call fails with (its class, so its exit code), then return
 * it for the checks of its wording where the wording is what the user reads.
 */
import { expect } from 'vitest';

type ErrorClass<T extends Error> = abstract new (...args: never[]) => T;

/** The rejection of `promise`, asserted to be a `type` (and, when given, to carry `exitCode`). */
export async function rejection<T extends Error>(
  promise: Promise<unknown>,
  type: ErrorClass<T>,
  exitCode?: number,
): Promise<T> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected a rejection with a ${type.name}`).toBeInstanceOf(type);
  if (exitCode !== undefined) expect((error as { exitCode?: unknown }).exitCode).toBe(exitCode);
  return error as T;
}

/** The error `fn` throws, asserted to be a `type` (and, when given, to carry `exitCode`). */
export function thrown<T extends Error>(fn: () => unknown, type: ErrorClass<T>, exitCode?: number): T {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error, `expected ${type.name} to be thrown`).toBeInstanceOf(type);
  if (exitCode !== undefined) expect((error as { exitCode?: unknown }).exitCode).toBe(exitCode);
  return error as T;
}
