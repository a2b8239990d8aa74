/**
 * @file The package's main entry for embedding Likeness: the server, the face engine and the decision module.
 * The client SDK is the separate `likeness/client` entry.
 */
export { startServer, openStorage, type RunningServer, type StartOptions } from './app.js';
export { buildServerConfig, DEFAULTS as SERVER_DEFAULTS, type ServerConfig } from './config/server-config.js';
export { createEngine, ImageError } from './engine/index.js';
export type * from './engine/types.js';
export { decide, humanReviewDecision, forcedDecision, DEFAULT_THRESHOLDS, RESULT_CODES } from './decision/index.js';
export type { Decision, DecisionThresholds, JobKind, ResultCategory } from './decision/types.js';
