import type { ProjectionComponents } from '@order-engine/client';
import { problemText } from '../shared/problem.js';

// The dead letters of every projection in one list, filtered in the browser as well as by the API, so a filter
// answers at once and the list stays right against an API that ignores a filter.

export type DeadLetter = ProjectionComponents['schemas']['DeadLetter'];
export type ProjectionLetter<Name extends string = string> = DeadLetter & { projection: Name };

export interface LetterFilter {
  /** '' for all. */
  projection: string;
  /** '' for all. */
  eventType: string;
  /** Text the error contains, any case; '' for all. */
  error: string;
}

export const NO_FILTER: LetterFilter = { projection: '', eventType: '', error: '' };

export function filterLetters<Letter extends ProjectionLetter>(
  letters: readonly Letter[],
  filter: LetterFilter,
): Letter[] {
  const errorText = filter.error.trim().toLowerCase();
  return letters.filter(
    (letter) =>
      (filter.projection === '' || letter.projection === filter.projection) &&
      (filter.eventType === '' || letter.eventType === filter.eventType) &&
      (errorText === '' || letter.error.toLowerCase().includes(errorText)),
  );
}

/** The event types present, sorted, for the filter's options. */
export const eventTypesOf = (letters: readonly Pick<DeadLetter, 'eventType'>[]): string[] =>
  [...new Set(letters.map((letter) => letter.eventType))].sort();

export const isFiltering = (filter: LetterFilter): boolean =>
  filter.projection !== '' || filter.eventType !== '' || filter.error.trim() !== '';

export type RetryAnswer =
  | { applied: true; resolved: readonly string[]; streamId: string }
  | { applied: false; status: number; problem: unknown };

/** What a retry did, in a sentence. */
export function retryOutcomeText(answer: RetryAnswer): string {
  if (answer.applied) {
    const count = answer.resolved.length;
    return `Applied: resolved ${count} letter${count === 1 ? '' : 's'} of stream ${answer.streamId}`;
  }
  if (answer.status === 422) {
    const detail = (answer.problem as { detail?: unknown } | undefined)?.detail;
    return `Still failing: ${typeof detail === 'string' ? detail : problemText(answer.problem, 422)}`;
  }
  return problemText(answer.problem, answer.status);
}
