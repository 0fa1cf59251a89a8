/**
 * Put in the `default:` of a switch over a discriminated union: if a case is missing, the value
 * is not `never` and the switch stops compiling. At run time (an unvalidated value) it throws.
 */
export function missingCase(value: never): never {
  throw missingCaseError(value);
}

/** The same compile-time check where a run-time surprise must be reported, not thrown. */
export function missingCaseError(value: never): Error {
  return new Error(`Unhandled case: ${JSON.stringify(value)}`);
}
