/**
 * Library API of the registrator, for tests and tools: the pure planning (labels ->
 * registrations -> agent diff) and the engine client.
 */
export { containerFromInspect, type ContainerInfo } from './sources/container.js';
export { EngineClient } from './sources/engine-client.js';
export { parseDockerHost, type EngineAddress } from './sources/docker-host.js';
export { readSettings, serviceVariables, SERVICE_NAME, LIMITS } from './labels.js';
export { planContainer, reachablePorts, nameFromImage, OWNER, type Registration, type RegistrationDefaults } from './registrations.js';
export { planSync, sameRegistration, type AgentService, type SyncPlan } from './plan.js';
