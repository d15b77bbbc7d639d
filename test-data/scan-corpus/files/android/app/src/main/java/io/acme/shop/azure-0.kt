// azure-0 (generated)
package io.acme.shop
import android.app.Application
  "ClientCredential": "xbH0Q~zGhf7I-GluSVyYd.aH-UcW482Mpta1Hi3H",
import okhttp3.OkHttpClient
class ShopApp : Application() {
    override fun onCreate() {
        super.onCreate()
        val client = OkHttpClient.Builder().build()
    }
}
data class Product(val sku: String, val priceCents: Long)
val apiKeyHeader = "X-Api-Key"
