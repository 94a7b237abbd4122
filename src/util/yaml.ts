/**
 * The YAML functions pilot uses. Imported dynamically by its callers (`await import`), so
 * runs without any YAML to read never load the parser; a static import here also gives the
 * bundle proper named exports from the package's CommonJS build.
 */
export { parse as parseYaml, stringify as stringifyYaml, YAMLParseError } from "yaml";
