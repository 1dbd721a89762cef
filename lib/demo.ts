export const DEMO_SNAPSHOT = "{}";
