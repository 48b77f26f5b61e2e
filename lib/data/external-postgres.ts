import { k8s } from '../core/k8s-api';
import { Construct } from 'constructs';
import { EnvValue } from '../core/container';
import { check } from '../core/errors';
import { checkPort } from '../core/names';
import { INetworkPeer, NetworkPort, Peer } from '../core/network-peer';
import {
  checkPostgresCredentials, ConnectionBudget, checkPostgresIdentifier, IDatabaseClient, IPostgresDatabase, PostgresConnectionEnvOptions, PostgresCredentials,
  postgresConnectionEnv, PostgresSslMode,
} from './postgres';

export interface ExternalPostgresProps {
  /** Host name or IP address of the server (e.g. the RDS endpoint or the Cloud SQL private IP). */
  readonly host: string;
  /** TCP port. @default 5432 */
  readonly port?: number;
  /** The database clients use. */
  readonly databaseName: string;
  /** The login clients use; the Secret must exist in each consumer's namespace. */
  readonly credentials: PostgresCredentials;
  /**
   * Address range the server lives in, opened for egress from clients (e.g. the VPC range of RDS, or the private
   * services range of Cloud SQL). A NetworkPolicy cannot name a DNS host, so the range is required.
   */
  readonly cidr: string;
  /** libpq sslmode clients should use; managed services require TLS. @default 'require' */
  readonly sslMode?: PostgresSslMode;
  /**
   * The server's `max_connections` (the instance tier's limit on RDS or Cloud SQL); consumers' declared pools are
   * checked against it at construction. @default - unknown: declared pools are only recorded
   */
  readonly maxConnections?: number;
}

/**
 * A PostgreSQL server outside the cluster (Cloud SQL, RDS, …). Renders nothing; offers the same consumer
 * interface as the in-cluster `Postgres`, and `allowConnectionFrom` opens egress to `cidr` on the port.
 */
export class ExternalPostgres extends Construct implements IPostgresDatabase {
  public readonly host: string;
  public readonly port: number;
  public readonly databaseName: string;
  public readonly databaseNames: readonly string[];
  public readonly credentials: PostgresCredentials;
  public readonly sslMode: PostgresSslMode;
  public readonly cidr: string;
  public readonly peerName: string;
  private readonly peer: INetworkPeer;
  private readonly budget: ConnectionBudget;

  constructor(scope: Construct, id: string, props: ExternalPostgresProps) {
    super(scope, id);
    check(this, typeof props.host === 'string' && props.host.length <= 253 && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/i.test(props.host) && !props.host.includes('..'),
      'host', props.host, 'must be a DNS name or an IPv4 address, such as "mydb.abc123.us-east-1.rds.amazonaws.com" or "10.20.0.3"');
    this.port = props.port ?? 5432;
    checkPort(this, 'port', this.port);
    checkPostgresIdentifier(this, 'databaseName', props.databaseName);
    checkPostgresCredentials(this, 'credentials', props.credentials);
    check(this, isCidr(props.cidr), 'cidr', props.cidr, 'must be an IPv4 or IPv6 CIDR such as "10.0.0.0/16" or "10.20.0.3/32"');
    this.host = props.host;
    this.databaseName = props.databaseName;
    this.databaseNames = [props.databaseName];
    this.credentials = props.credentials;
    this.sslMode = props.sslMode ?? 'require';
    this.cidr = props.cidr;
    this.peer = Peer.ipBlock(props.cidr);
    this.peerName = `postgres ${props.host} (${props.cidr})`;
    if (props.maxConnections !== undefined) {
      check(this, Number.isInteger(props.maxConnections) && props.maxConnections >= 10, 'maxConnections', props.maxConnections, 'must be an integer of at least 10');
    }
    this.budget = new ConnectionBudget(this, props.maxConnections);
  }

  public reserveConnections(consumer: string, connections: number): void {
    this.budget.reserve(consumer, connections);
  }

  public get connectionReservations(): Readonly<Record<string, number>> {
    return this.budget.all;
  }

  public credentialsFor(database?: string): PostgresCredentials {
    const name = database ?? this.databaseName;
    check(this, this.databaseNames.includes(name), 'database', name, `must be one of the server's databases (${this.databaseNames.join(', ')})`);
    return this.credentials;
  }

  public connectionEnv(options?: PostgresConnectionEnvOptions): Record<string, EnvValue> {
    return postgresConnectionEnv(this, options);
  }

  public allowConnectionFrom(client: IDatabaseClient): void {
    client.allowTo(this, this.connectionPorts());
  }

  public toNetworkPolicyPeer(fromNamespace: string): k8s.NetworkPolicyPeer {
    return this.peer.toNetworkPolicyPeer(fromNamespace);
  }

  /** @internal see IConnectable */
  public connectionPorts(): NetworkPort[] {
    return [{ port: this.port, protocol: 'TCP' }];
  }

  /** @internal see IConnectable: an external server has no ingress rule of ours. */
  public acceptConnection(): void {
    // Intentionally empty: the server's firewall (security group, authorized networks) is managed outside the cluster.
  }
}

function isCidr(value: string): boolean {
  if (typeof value !== 'string') return false;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (v4) return v4.slice(1, 5).every((o) => Number(o) <= 255) && Number(v4[5]) <= 32;
  const v6 = /^([0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}\/(\d{1,3})$/i.exec(value);
  return v6 !== null && Number(v6[2]) <= 128;
}
