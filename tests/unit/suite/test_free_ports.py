"""free_port (chat_common/children.py): the ports of servers about to start."""

from __future__ import annotations

from chat_common.children import free_port


def test_a_port_is_not_handed_out_twice_before_its_server_binds_it() -> None:
    # A suite draws every part's port before any binds: none may be given twice.
    ports = [free_port() for _ in range(300)]
    assert len(set(ports)) == len(ports)


def test_a_cluster_node_s_bus_port_is_held_with_its_port() -> None:
    nodes = [free_port(also_free_above=10000) for _ in range(60)]
    taken = set(nodes) | {port + 10000 for port in nodes}
    assert len(taken) == 2 * len(nodes)
    assert not taken & {free_port() for _ in range(300)}
