import type { ValidationRule } from './schema.ts';

/**
 * CEL rules for URI fields, checked by the API server on create and update.
 *
 * The host checks are static. They reject literal loopback, link-local and cloud
 * metadata addresses and host names. They also reject numeric hosts such as
 * `2852039166` or `0xa9.0xfe.0xa9.0xfe`, because a WHATWG URL parser (the scorer's
 * `fetch`) reads them as IPv4 addresses although Go's parser does not.
 * NOTE: a DNS name that resolves to such an address passes these rules; only the
 * component that connects can check the resolved address.
 *
 * The host is matched with regular expressions on the whole URI instead of
 * `url(self).getHostname()`, because the API server's cost estimator cannot bound the
 * size of the string that getHostname returns and rejects every rule that works on it.
 * The field's maxLength bounds the cost of these rules.
 */

/** URI schemes a rule set accepts, with an example URI used in messages. */
export interface UriRuleOptions {
  schemes: readonly ('https' | 'http' | 'file')[];
  example: string;
  /** Whether loopback hosts (127.0.0.0/8, ::1, localhost) are accepted. */
  allowLoopback: boolean;
}

/** Scheme, `://` and an optional user-info part, up to where the host starts. */
const BEFORE_HOST = String.raw`^[a-zA-Z][-+.a-zA-Z0-9]*://([^/?#@]*@)?`;

/** An optional port, then the end of the URI or the start of its path, query or fragment. */
const AFTER_HOST = String.raw`(:[0-9]*)?([/?#].*)?$`;

/** IPv4 in dotted decimal without leading zeros, as Go's and WHATWG's parsers both read it. */
const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const DOTTED_QUAD = String.raw`${OCTET}(\.${OCTET}){3}`;

/** A host whose last label is a decimal or hex number, which WHATWG parses as IPv4. */
const NUMERIC_HOST = String.raw`([^/?#@:\[\]]*\.)?(0[xX][0-9a-fA-F]*|[0-9]+)\.?`;

/** `scheme://[ipv6]`: the prefix of a URI whose host is an IPv6 literal. */
const IPV6_PREFIX = String.raw`${BEFORE_HOST}\[[^\]/?#]*\]`;

/** CEL: the IPv6 literal of the URI without brackets, given that IPV6_MATCH is not empty. */
const IPV6_MATCH = `self.find(r'${IPV6_PREFIX}')`;
const IPV6_HOST = `${IPV6_MATCH}.substring(${IPV6_MATCH}.indexOf('[') + 1, ${IPV6_MATCH}.size() - 1)`;

/** CEL literal of a regular expression that matches the whole URI when its host matches `host`. */
function hostRegex(host: string): string {
  return `r'${BEFORE_HOST}(${host})${AFTER_HOST}'`;
}

function blockedIpv4(allowLoopback: boolean): string {
  // With canonical hosts enforced by another rule, prefixes identify the ranges:
  // 169.254.0.0/16 link-local (the metadata address of most clouds), 0.0.0.0/8,
  // 100.100.100.200 (Alibaba Cloud metadata) and 127.0.0.0/8 loopback.
  const ranges = [String.raw`169\.254\.[0-9.]*`, String.raw`0\.[0-9.]*`, String.raw`100\.100\.100\.200`];
  if (!allowLoopback) ranges.push(String.raw`127\.[0-9.]*`);
  return ranges.join('|');
}

function blockedIpv6(allowLoopback: boolean): string {
  const address = `ip(${IPV6_HOST})`;
  // fd00:ec2::254 is the IPv6 instance metadata address of AWS.
  const checks = [`${address}.isLinkLocalUnicast()`, `${address}.isUnspecified()`, `${address} == ip('fd00:ec2::254')`];
  if (!allowLoopback) checks.push(`${address}.isLoopback()`);
  return `${IPV6_MATCH} == '' || !isIP(${IPV6_HOST}) || !(${checks.join(' || ')})`;
}

function blockedNames(allowLoopback: boolean): string {
  const names = ['metadata', String.raw`metadata\.google\.internal`];
  if (!allowLoopback) names.push('localhost', String.raw`[^/?#@:]*\.localhost`);
  return String.raw`(${names.join('|')})\.?`;
}

/** Builds the rules for one URI field; `field` names it in messages, such as `spec.modelUri`. */
export function uriRules(field: string, options: UriRuleOptions): ValidationRule[] {
  const schemeList = options.schemes.map((scheme) => `'${scheme}'`).join(', ');
  const schemeNames = options.schemes.map((scheme) => `${scheme}://`).join(' or ');
  const forbidden = options.allowLoopback ? 'link-local or cloud metadata' : 'loopback, link-local or cloud metadata';
  const hostRule = (rule: string) => `!isURL(self) || !(url(self).getScheme() in [${schemeList}]) || ${rule}`;

  const rules: ValidationRule[] = [
    {
      rule: 'isURL(self)',
      message: `${field} must be an absolute URI such as ${options.example}`,
    },
    {
      rule: `!isURL(self) || url(self).getScheme() in [${schemeList}]`,
      message: `${field} must use the ${schemeNames} scheme, for example ${options.example}`,
      messageExpression: `'${field} must use the ${schemeNames} scheme, not ' + self.find('^[a-zA-Z][-+.a-zA-Z0-9]*') + '://, for example ${options.example}'`,
    },
    {
      rule: String.raw`!self.matches(r'^[a-zA-Z][-+.a-zA-Z0-9]*://[^/?#]*@')`,
      message: `${field} must not contain a user name or password, because custom resources are readable by many users; put credentials in a Secret`,
    },
    {
      rule: `!isURL(self) || url(self).getScheme() == 'file' || url(self).getHost() != ''`,
      message: `${field} must name a host, for example ${options.example}`,
    },
    {
      rule: hostRule(`!self.matches(${hostRegex(blockedIpv4(options.allowLoopback))}) && (${blockedIpv6(options.allowLoopback)})`),
      message: `${field} must not point at a ${forbidden} address; use a host that the pods reach over the network`,
      messageExpression: `'${field} ' + self + ' points at a ${forbidden} address; use a host that the pods reach over the network'`,
    },
    {
      rule: hostRule(`!self.lowerAscii().matches(${hostRegex(blockedNames(options.allowLoopback))})`),
      message: `${field} must not point at a ${forbidden} host name; use a host that the pods reach over the network`,
      messageExpression: `'${field} ' + self + ' points at a ${forbidden} host name; use a host that the pods reach over the network'`,
    },
    {
      // Go accepts these hosts as names, but a WHATWG URL parser reads a host whose
      // last label is numeric as an IPv4 address, and an IPv6 literal that the `ip`
      // library rejects may be an IPv4-mapped address.
      rule: hostRule(
        `(!self.matches(${hostRegex(NUMERIC_HOST)}) || self.matches(${hostRegex(DOTTED_QUAD)})) && ` +
          `(${IPV6_MATCH} == '' || isIP(${IPV6_HOST}))`,
      ),
      message: `${field} host must be a DNS name or a canonical IP address: IPv4 in dotted decimal without leading zeros, IPv6 without an embedded IPv4 address`,
      messageExpression: `'${field} ' + self + ' must name a DNS name or a canonical IP address as host: IPv4 in dotted decimal without leading zeros, IPv6 without an embedded IPv4 address'`,
    },
  ];

  if (options.schemes.includes('file')) {
    rules.push({
      rule: `!isURL(self) || url(self).getScheme() != 'file' || url(self).getHost() == ''`,
      message: `a file:// ${field} must not name a host; write three slashes, for example file:///models/telco-churn/1.0.0`,
    });
  }
  return rules;
}
