// huggingface-2 (generated)
package io.acme.shop
import android.app.Application
import okhttp3.OkHttpClient
class ShopApp : Application() {
    override fun onCreate() {
const val HF_HUB = "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"
        super.onCreate()
        val client = OkHttpClient.Builder().build()
    }
}
data class Product(val sku: String, val priceCents: Long)
val apiKeyHeader = "X-Api-Key"
