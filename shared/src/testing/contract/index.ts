export { answerViolations, GENERIC_HEADERS, type ContractAnswer } from './answer-check.js';
export { contractCheck, contractFailure, ContractViolation } from './checked-fetch.js';
export type { ContractCheck, ContractCheckOptions } from './checked-fetch.js';
export { isOpenApi31, type OpenApiDoc } from './openapi-doc.js';
