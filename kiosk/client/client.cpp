// Placeholder translation unit until the WebSocket client lands.
