import { describe, expect, it } from 'vitest';
import { problemText } from './problem.js';

describe('problemText', () => {
  it('shows a problem as title: detail', () => {
    const problem = { type: '/problems/conflict', title: 'Conflict', status: 409, detail: 'a rebuild runs elsewhere' };
    expect(problemText(problem, 409)).toBe('Conflict: a rebuild runs elsewhere');
  });

  it('names the fields of a validation problem', () => {
    const problem = {
      title: 'Bad Request',
      detail: 'the request does not match the expected shape',
      errors: [{ path: 'prefix', message: 'Too small' }],
    };
    expect(problemText(problem, 400)).toBe(
      'Bad Request: the request does not match the expected shape (prefix: Too small)',
    );
  });

  it('makes do with what there is', () => {
    expect(problemText({ title: 'Forbidden' }, 403)).toBe('Forbidden');
    expect(problemText('  plain text  ', 400)).toBe('plain text');
    expect(problemText(undefined, 418)).toBe('HTTP 418');
  });
});
