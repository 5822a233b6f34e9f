/** Reading bundle files from a local folder or an HTTPS base URL. */
import { lookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { ConfigError } from '../errors.ts';
import { checkModelHost, forbiddenAddressReason, type AddressPolicy, type ModelLocation } from './uri.ts';

export interface BundleSource {
  /** Human-readable location of the bundle, for messages. */
  readonly description: string;
  /** Returns the file's bytes, or undefined when it does not exist. */
  read(path: string): Promise<Uint8Array | undefined>;
  close(): Promise<void>;
}

export interface SourceOptions extends AddressPolicy {
  timeoutMs: number;
  /** Extra trusted CA certificates (PEM) for HTTPS, used by tests with a self-signed server. */
  ca?: string | undefined;
}

/** Largest bundle file accepted over HTTPS, so a wrong URL cannot exhaust memory. */
const MAX_REMOTE_FILE_BYTES = 512 * 1024 * 1024;

export async function openBundleSource(location: ModelLocation, options: SourceOptions): Promise<BundleSource> {
  if (location.kind === 'file') {
    await requireDirectory(location.directory);
    return fileSource(location.directory);
  }
  await checkModelHost(location.baseUrl, options);
  return httpsSource(location.baseUrl, options);
}

/** Rejects a bundle folder that does not exist, so the error names the folder instead of its first file. */
async function requireDirectory(directory: string): Promise<void> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(directory)).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : `cannot be read: ${(error as Error).message}`;
    throw new ConfigError(`model bundle folder ${directory} ${reason}; check model.uri or --model-uri`, 'model.uri', { cause: error });
  }
  if (!isDirectory) {
    throw new ConfigError(`model bundle folder ${directory} is not a folder; model.uri must name the folder that contains model.json.`, 'model.uri');
  }
}

function fileSource(directory: string): BundleSource {
  return {
    description: directory,
    async read(path) {
      try {
        return await readFile(join(directory, path));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          return undefined;
        }
        throw new ConfigError(`${path}: cannot read ${join(directory, path)}: ${(error as Error).message}`, path, { cause: error });
      }
    },
    async close() {},
  };
}

function httpsSource(baseUrl: URL, options: SourceOptions): BundleSource {
  // The lookup runs again at connect time, so a host that resolves to a forbidden
  // address after the first check (DNS rebinding) is still rejected.
  const dispatcher = new Agent({
    connect: { lookup: guardedLookup(options), ...(options.ca === undefined ? {} : { ca: options.ca }) },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });

  return {
    description: baseUrl.href,
    async read(path) {
      const url = new URL(path, baseUrl);
      let response;
      try {
        response = await fetch(url, { dispatcher, redirect: 'error', signal: AbortSignal.timeout(options.timeoutMs) });
      } catch (error) {
        const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
        throw new ConfigError(`${path}: fetching ${url.href} failed: ${cause}`, path, { cause: error });
      }

      if (response.status === 404) {
        await response.body?.cancel();
        return undefined;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new ConfigError(`${path}: fetching ${url.href} failed with HTTP ${response.status}.`, path);
      }
      const length = Number(response.headers.get('content-length') ?? 0);
      if (length > MAX_REMOTE_FILE_BYTES) {
        await response.body?.cancel();
        throw new ConfigError(`${path}: ${url.href} has ${length} bytes, more than the limit of ${MAX_REMOTE_FILE_BYTES}.`, path);
      }
      return new Uint8Array(await response.arrayBuffer());
    },
    async close() {
      await dispatcher.close();
    },
  };
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

function guardedLookup(policy: AddressPolicy) {
  return (hostname: string, lookupOptions: LookupOptions, callback: LookupCallback): void => {
    lookup(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
      if (error !== null) {
        callback(error, []);
        return;
      }
      for (const entry of addresses) {
        const reason = forbiddenAddressReason(entry.address, policy);
        if (reason !== undefined) {
          callback(Object.assign(new Error(`connection to ${hostname} rejected: ${reason}`), { code: 'EFORBIDDENADDRESS' }), []);
          return;
        }
      }
      if (lookupOptions.all === true) {
        callback(null, addresses);
      } else {
        const first = addresses[0] as LookupAddress;
        callback(null, first.address, first.family);
      }
    });
  };
}
