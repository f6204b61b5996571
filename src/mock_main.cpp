// placeholder until the mock provider lands
int main() { return 0; }
