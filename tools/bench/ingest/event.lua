-- wrk script: POSTs one realistic ~350-byte add_to_cart event, as the storefront's tracker does.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
wrk.body = '{"type":"custom_event","event":"add_to_cart","properties":{"product_id":"SM-1a2b3c4d",' ..
  '"name":"Orbitel Pulse 7 Pro","brand":"Orbitel","category":"Smartphones","price":1299.99,' ..
  '"quantity":1},"timestamp":"2026-11-26T15:19:11.123Z","sessionId":"3f9c1e2a-8b7d-4c6e-9a1f-' ..
  '2d4b6e8f0a1c","userId":"b2c4d6e8-f0a1-4c3e-8d5f-7a9b1c3e5f70","url":"https://shop.example/' ..
  'category/smartphones/product/SM-1a2b3c4d","path":"/category/smartphones/product/SM-1a2b3c4d"}'
