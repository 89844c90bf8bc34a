{
  "targets": [
    {
      "target_name": "metallb_native",
      "sources": [
        "native/addon.cc",
        "native/fd_poll.cc",
        "native/ipv6_membership.cc",
        "native/packet_socket.cc",
        "native/socket_address.cc",
        "native/system_error.cc",
        "native/tcp_dial.cc",
        "native/tcp_md5.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra"],
      "conditions": [
        ["OS!='linux'", { "type": "none", "sources": [] }]
      ]
    }
  ]
}
