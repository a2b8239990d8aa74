/** @file Public entry of the face engine. */
export { createEngine, defaultModelsDir, matchToReference, DEFAULT_MAX_INPUT_PIXELS } from './engine.js';
export { ImageError, type ImageErrorReason } from './image-error.js';
export { DEFAULT_MATCH_THRESHOLD, DEFAULT_SPOOF_THRESHOLD, DEFAULT_SETTINGS, resolveSettings } from './settings.js';
export type { EngineSettings, QualitySettings, LivenessSettings, SettingsOverrides } from './settings.js';
export { cosineSimilarity } from './math/vector.js';
export type * from './types.js';
export { DEFAULT_EXECUTION_PROVIDER, EXECUTION_PROVIDER_CHOICES, isExecutionProviderChoice, type ExecutionProvider, type ExecutionProviderChoice } from './backend/execution-provider.js';
