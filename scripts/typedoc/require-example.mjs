// TypeDoc plugin: every exported declaration (and every method of an exported class or interface)
// must have a comment, and every exported class, function and constant an `@example` in it.
// TypeDoc's own `notDocumented` validation cannot exclude folders; this check replaces it.
// `requireDocsExclude` lists path prefixes, relative to the working directory, not checked yet:
// `typedoc --requireDocsExclude none` lists everything still missing.
import { relative } from 'node:path';
import { Converter, ParameterType, ReflectionKind } from 'typedoc';

const DOCUMENTED =
  ReflectionKind.Class |
  ReflectionKind.Interface |
  ReflectionKind.Function |
  ReflectionKind.TypeAlias |
  ReflectionKind.Variable |
  ReflectionKind.Enum |
  ReflectionKind.Method;
const WITH_EXAMPLE = ReflectionKind.Class | ReflectionKind.Function | ReflectionKind.Variable;

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.options.addDeclaration({
    name: 'requireDocsExclude',
    help: 'Path prefixes whose exports are not checked for a comment and an @example yet.',
    type: ParameterType.Array,
    defaultValue: [],
  });

  app.converter.on(Converter.EVENT_RESOLVE_END, (context) => {
    const exclude = app.options.getValue('requireDocsExclude');
    const { project } = context;
    for (const reflection of project.getReflectionsByKind(DOCUMENTED)) {
      const fileName = project.getSymbolIdFromReflection(reflection)?.fileName;
      if (fileName === undefined) continue;
      const path = relative(process.cwd(), fileName);
      if (!path.startsWith('src/') || exclude.some((prefix) => path.startsWith(prefix))) continue;
      const comment =
        reflection.comment ??
        reflection.signatures?.find((s) => s.comment)?.comment ??
        reflection.type?.declaration?.signatures?.find((s) => s.comment)?.comment;
      const name = `${reflection.getFriendlyFullName()} (${ReflectionKind.singularString(reflection.kind)}, ${path})`;
      if (comment === undefined) {
        app.logger.warn(`${name} has no documentation`);
      } else if (
        reflection.kindOf(WITH_EXAMPLE) &&
        reflection.parent?.kindOf(ReflectionKind.Module) &&
        comment.getTag('@example') === undefined
      ) {
        app.logger.warn(`${name} has no @example`);
      }
    }
  });
}
