export * from './message.js';
export * from './components.js';
export * from './base.js';
