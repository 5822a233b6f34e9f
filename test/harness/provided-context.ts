// Values the integration global setup passes to test files through vitest's
// provide/inject.
declare module 'vitest' {
  export interface ProvidedContext {
    /** Path of the admin kubeconfig of the test control plane. */
    kubeconfig: string;
    /** Folder with kubectl and the other control-plane binaries. */
    controlPlaneBin: string;
  }
}

export {};
