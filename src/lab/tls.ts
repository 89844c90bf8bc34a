/**
 * A certificate for the lab's HTTPS, made at each start: kubectl sends a
 * bearer token only over TLS, so the lab cannot serve plain HTTP. The
 * certificate is self-signed for 127.0.0.1 and localhost and goes into the
 * kubeconfig as its own certificate authority. Node makes the key; node-forge
 * writes the X.509 certificate, which Node cannot.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface Certificate {
  readonly certPem: string;
  readonly keyPem: string;
}

export function selfSignedCertificate(now: Date, extraIPs: readonly string[] = []): Certificate {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(publicKey);
  // A positive serial: clear the top bit of the first byte.
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  certificate.serialNumber = serial.toString('hex');
  certificate.validity.notBefore = new Date(now.getTime() - 60_000);
  certificate.validity.notAfter = new Date(now.getTime() + 365 * 24 * 3600 * 1000);
  const name = [{ name: 'commonName', value: 'metallb-ts lab' }];
  certificate.setSubject(name);
  certificate.setIssuer(name);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    {
      name: 'keyUsage',
      digitalSignature: true,
      keyEncipherment: true,
      keyCertSign: true,
      critical: true,
    },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 7, ip: '127.0.0.1' },
        { type: 2, value: 'localhost' },
        ...extraIPs.map((ip) => ({ type: 7, ip })),
      ],
    },
  ]);
  certificate.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(certificate), keyPem: privateKey };
}
