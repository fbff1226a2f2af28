/**
 * Loads @peculiar/x509, which the local tenant's HTTPS mode issues and reads its certificates with.
 * It is an optional peer dependency: the library itself never needs it, nor does the local tenant
 * over http; only the certificate authority of HTTPS mode does.
 *
 * The NameConstraints extension has no class in @peculiar/x509: it is encoded and read with the
 * ASN.1 schema packages @peculiar/x509 itself depends on, resolved from where @peculiar/x509 is
 * installed, so that it is the one package to install.
 */
import { createRequire } from 'node:module';
import type * as Asn1Schema from '@peculiar/asn1-schema';
import type * as Asn1X509 from '@peculiar/asn1-x509';
import type * as X509 from '@peculiar/x509';
import { isMissingModule } from './missing-module';

/**
 * The package to install, and the version line this tenant is written against.
 *
 * @example
 * ```ts
 * throw new Error(`install it with npm install --save-dev ${X509_PACKAGE}`);
 * ```
 */
export const X509_PACKAGE = '@peculiar/x509@1';

/** @peculiar/x509, and the ASN.1 classes of its own dependencies that the CA needs. */
export interface X509Modules {
  /** @peculiar/x509. */
  x509: typeof X509;
  /** @peculiar/asn1-schema's DER encoder and decoder. */
  AsnConvert: typeof Asn1Schema.AsnConvert;
  /** @peculiar/asn1-x509's NameConstraints (RFC 5280 §4.2.1.10) and its parts. */
  NameConstraints: typeof Asn1X509.NameConstraints;
  /** @peculiar/asn1-x509's GeneralSubtrees. */
  GeneralSubtrees: typeof Asn1X509.GeneralSubtrees;
  /** @peculiar/asn1-x509's GeneralSubtree. */
  GeneralSubtree: typeof Asn1X509.GeneralSubtree;
  /** @peculiar/asn1-x509's GeneralName. */
  GeneralName: typeof Asn1X509.GeneralName;
}

let loaded: X509Modules | undefined;

/**
 * Loads @peculiar/x509 (its public entry points only), or throws an error that says which package
 * to install.
 *
 * @example
 * ```ts
 * const { x509 } = loadX509();
 * ```
 */
export function loadX509(): X509Modules {
  if (loaded !== undefined) return loaded;
  let x509: typeof X509;
  let entry: string;
  try {
    entry = require.resolve('@peculiar/x509');
    x509 = require(entry) as typeof X509;
  } catch (error) {
    if (isMissingModule(error, '@peculiar/x509')) {
      throw new Error(
        `routing-controllers-auth0/testing: the local tenant's HTTPS mode needs the optional peer dependency @peculiar/x509; install it with \`npm install --save-dev ${X509_PACKAGE}\``,
        { cause: error },
      );
    }
    throw error;
  }
  // Its own dependencies, wherever the package manager put them for it (hoisted or not).
  const own = createRequire(entry);
  const schema = own('@peculiar/asn1-schema') as typeof Asn1Schema;
  const asn = own('@peculiar/asn1-x509') as typeof Asn1X509;
  loaded = {
    x509,
    AsnConvert: schema.AsnConvert,
    NameConstraints: asn.NameConstraints,
    GeneralSubtrees: asn.GeneralSubtrees,
    GeneralSubtree: asn.GeneralSubtree,
    GeneralName: asn.GeneralName,
  };
  return loaded;
}
