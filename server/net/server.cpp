// Placeholder translation unit until the network layer lands.
