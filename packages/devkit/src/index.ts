// The local pod runner and the dev servers, for `apictl-dev` and the tests (test/helpers).
export { ConsulDev, consulBin } from './consul-dev.js';
export { DemoInstance } from './demo-services.js';
export { DevPod, defaultWorkDir, type DevPodOptions, type DevPodSummary } from './dev-pod.js';
export { freePort, until } from './free-port.js';
export { getWithHost } from './http-probe.js';
export { kustomize, podTemplate, containersOf, type K8sObject, type Container } from './kustomize.js';
export { checkManifest } from './manifest-checks.js';
export { planPod, type PlanOptions, type ProcessPlan } from './pod-plan.js';
export { LocalContainer, ProcessRunner, prepareVolumes } from './process-runner.js';
export type { PodRunner, RunnerContext, RunningContainer } from './runner.js';
export { S3Dev } from './s3-dev.js';
export { devCommand, dev, publishReport } from './up.js';
export { devkitCommand } from './kit.js';
export { registerCommand } from './register.js';
export { bannerLines } from './banner.js';
export { TemplatePublisher, type PublishResult, type PublishTarget } from './template-publisher.js';
export { assertListenersFree, tryBind, type PlannedListener } from './port-check.js';
