// github-0 (generated)
package io.acme.shop
import android.app.Application
import okhttp3.OkHttpClient
class ShopApp : Application() {
    override fun onCreate() {
        super.onCreate()
        val client = OkHttpClient.Builder().build()
    }
}
data class Product(val sku: String, val priceCents: Long)
GH_TOKEN=ghp_2ck3WFllgzOGqry8uUX6T5HpzdeqmGKKc3cq
val apiKeyHeader = "X-Api-Key"
