// Types of scripts/api-types.mjs, for the test that checks the generated files are current.
export declare const SOURCE_DIR: string
export declare const OUT_DIR: string
export declare function services(): string[]
export declare function render(): Promise<Record<string, string>>
export declare function stale(): Promise<string[]>
