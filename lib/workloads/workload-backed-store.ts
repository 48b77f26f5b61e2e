import { k8s } from '../core/k8s-api';
import { Construct } from 'constructs';
import { INetworkPeer, NetworkPort } from '../core/network-peer';
import { IConnectable, Workload } from './workload';

/** Pods (or a Job's pods) that can be allowed to reach a data store: a network peer that can add egress rules. */
export interface IDatabaseClient extends INetworkPeer {
  /** Adds an egress rule from the client's pods to `peer` on `ports`. */
  allowTo(peer: INetworkPeer, ports: readonly NetworkPort[]): void;
}

/**
 * A data store served by one Workload on one main port (PostgreSQL, Redis): the network-peer and connection
 * plumbing every such store shares, so `client.connectTo(store)` and `store.allowConnectionFrom(client)` behave
 * the same for all of them.
 */
export abstract class WorkloadBackedStore extends Construct implements IConnectable {
  /** The StatefulSet/Deployment serving the store (escape hatch). */
  public abstract readonly workload: Workload;
  /** Name of the workload port clients connect to. */
  protected abstract readonly clientPortName: string;

  public get peerName(): string {
    return this.workload.peerName;
  }

  public get peerNamespace(): string {
    return this.workload.peerNamespace;
  }

  /** Lets `client` connect: egress on the client, ingress on the store, across namespaces too. */
  public allowConnectionFrom(client: IDatabaseClient): void {
    if (client instanceof Workload) {
      client.connectTo(this.workload, [this.clientPortName]);
      return;
    }
    const ports = this.connectionPorts();
    client.allowTo(this.workload, ports);
    this.workload.acceptConnection(client, ports);
  }

  public toNetworkPolicyPeer(fromNamespace: string): k8s.NetworkPolicyPeer {
    return this.workload.toNetworkPolicyPeer(fromNamespace);
  }

  /** @internal see IConnectable */
  public connectionPorts(portNames?: readonly string[]): NetworkPort[] {
    return this.workload.connectionPorts(portNames ?? [this.clientPortName]);
  }

  /** @internal see IConnectable */
  public acceptConnection(from: INetworkPeer, ports: readonly NetworkPort[]): void {
    this.workload.acceptConnection(from, ports);
  }
}
